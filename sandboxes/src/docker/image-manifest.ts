import type Docker from 'dockerode';
import { normalisePipName, type PackageManifest } from '../install.js';
import { DockerDemuxer } from './demux.js';

/** Lists the image's Python distributions, a `---` line, then its Debian packages. */
const LIST_PACKAGES =
  'python3 -c \'import importlib.metadata as m; print("\\n".join(sorted({d.metadata["Name"] for d in m.distributions()})))\'; ' +
  "echo ---; dpkg-query -W -f '${Package}\\n'";

/** What the sandbox image carries, for the install check: read by running the listing in a container of it. */
export async function readImageManifest(container: Docker.Container): Promise<PackageManifest> {
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', LIST_PACKAGES],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  let stdout = '';
  const demux = new DockerDemuxer((stream, data) => {
    if (stream === 'stdout') stdout += data.toString();
  });
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return parseImageManifest(stdout);
}

/** The listing's output as a manifest: pip names normalised, apt names as they are, nothing else installed. */
export function parseImageManifest(stdout: string): PackageManifest {
  const [pip = '', apt = ''] = stdout.split('---\n');
  const lines = (text: string): string[] =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  return {
    pip: new Set(lines(pip).map(normalisePipName)),
    apt: new Set(lines(apt)),
    npm: new Set(),
    cargo: new Set(),
    go: new Set(),
  };
}
