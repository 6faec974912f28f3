import type Docker from 'dockerode';
import { normalisePipName, type PackageManifest } from '../install.js';
import { DockerDemuxer } from './demux.js';

/**
 * Where the image keeps the pinned Python package list it was built from (sandboxes/images/python-requirements.txt,
 * copied in by build.sh): the install check reads the same manifest the image was installed from.
 */
export const PYTHON_REQUIREMENTS_IN_IMAGE = '/usr/local/share/arena/python-requirements.txt';

/** Lists the image's Python distributions, a `---` line, its Debian packages, a `---` line, then its Python requirements file. */
const LIST_PACKAGES =
  'python3 -c \'import importlib.metadata as m; print("\\n".join(sorted({d.metadata["Name"] for d in m.distributions()})))\'; ' +
  "echo ---; dpkg-query -W -f '${Package}\\n'; " +
  `echo ---; cat ${PYTHON_REQUIREMENTS_IN_IMAGE} 2>/dev/null`;

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

/**
 * The distribution names a pip requirements file pins (`name==1.2 \\`, `name[extra]==1.2 ; marker`), normalised;
 * comments, hash lines and options are skipped.
 */
export function parseRequirementNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:[=<>!~;@\s\\]|$)/.exec(line);
    if (match?.[1]) names.push(normalisePipName(match[1]));
  }
  return names;
}

/**
 * The listing's output as a manifest: pip names normalised (what Python lists plus what the image's requirements
 * file pins), apt names as they are, nothing else installed.
 */
export function parseImageManifest(stdout: string): PackageManifest {
  const [pip = '', apt = '', requirements = ''] = stdout.split('---\n');
  const lines = (text: string): string[] =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  return {
    pip: new Set([...lines(pip).map(normalisePipName), ...parseRequirementNames(requirements)]),
    apt: new Set(lines(apt)),
    npm: new Set(),
    cargo: new Set(),
    go: new Set(),
  };
}
