import { afterAll } from 'vitest';
import { DockerRunner, type DockerRunnerOptions } from '../src/docker/docker.runner.js';
import type { RunRequest, RunResult } from '../src/types.js';

/**
 * What the container-reuse suites share. Their runners keep one container and never start another while one
 * is being reset (`growAfterMs` is long), so two runs in a row share a container exactly when it was reused;
 * which container a run had is read from inside it: its host name is the container's id.
 */
const runners: DockerRunner[] = [];
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
}, 60_000);

/** A runner of one container at a time, closed after the file's tests. */
export function reuseRunner(options: DockerRunnerOptions = {}): DockerRunner {
  const created = new DockerRunner({
    poolSize: 1,
    maxConcurrent: 1,
    growAfterMs: 600_000,
    apps: false,
    log: (level, fields, message) => {
      if (level !== 'info') console.warn(message, fields);
    },
    ...options,
  });
  runners.push(created);
  return created;
}

export interface Ran extends RunResult {
  stdout: string;
  stderr: string;
}

/** A run with its whole output. */
export async function runCollecting(on: DockerRunner, request: RunRequest): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const result = await on.run(request, {
    onOutput: (chunk) => {
      if (chunk.stream === 'stdout') stdout += chunk.data;
      else stderr += chunk.data;
    },
  });
  return { ...result, stdout, stderr };
}

/** Python that prints the container's host name, and reading it back. */
export const HOST = 'print("host", open("/etc/hostname").read().strip())';
export const hostOf = (ran: Ran): string =>
  /^host (\w+)$/m.exec(ran.stdout)?.[1] ?? `none: ${ran.stdout} ${ran.stderr}`;
