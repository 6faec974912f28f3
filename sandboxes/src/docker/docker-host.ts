import Docker from 'dockerode';

/** One Docker engine the runner may use, from `DOCKER_HOSTS` (`unix:///path`, `tcp://host:port`, `ssh://user@host`). */
export interface DockerHostConfig {
  name: string;
  docker: Docker;
}

export function parseDockerHosts(spec: string | undefined): DockerHostConfig[] {
  const entries = (spec ?? 'unix:///var/run/docker.sock')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.map((entry) => ({ name: entry, docker: connect(entry) }));
}

function connect(entry: string): Docker {
  if (entry.startsWith('unix://')) return new Docker({ socketPath: entry.slice('unix://'.length) });
  if (entry.startsWith('/')) return new Docker({ socketPath: entry });
  const url = new URL(entry);
  const protocol = url.protocol.replace(':', '');
  if (protocol === 'tcp' || protocol === 'http')
    return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
  if (protocol === 'https')
    return new Docker({ host: url.hostname, port: Number(url.port || 2376), protocol: 'https' });
  if (protocol === 'ssh')
    return new Docker({
      host: url.hostname,
      port: Number(url.port || 22),
      protocol: 'ssh',
      ...(url.username ? { username: url.username } : {}),
    });
  throw new Error(`unsupported Docker host ${entry}: use unix://, tcp://, https:// or ssh://`);
}
