import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRunner } from '../src/docker/docker.runner.js';
import type { RunRequest, RunResult } from '../src/types.js';

/**
 * How a container run ended, told from the kernel's evidence (the cgroup's OOM-kill count, the CPU time it
 * counted) rather than from the exit code alone: a program may exit with any code it likes. Needs the
 * engine and the sandbox image, as docker.runner.int.spec.ts does.
 */
const runner = new DockerRunner({ poolSize: 2, maxConcurrent: 4 });

async function run(request: RunRequest): Promise<RunResult & { stderr: string }> {
  let stderr = '';
  const result = await runner.run(request, {
    onOutput: (chunk) => {
      if (chunk.stream === 'stderr') stderr += chunk.data;
    },
  });
  return { ...result, stderr };
}

beforeAll(async () => {
  expect(await runner.start(), JSON.stringify(runner.describeHosts())).toBe(true);
}, 120_000);
afterAll(async () => {
  await runner.close();
});

describe('the status of a container run comes from what happened, not from the exit code', () => {
  it.each([152, 137])('a program that calls exit(%i) itself is a runtime error with that exit code', async (code) => {
    const result = await run({
      environment: 'c',
      code: `#include <stdlib.h>\nint main(void) { exit(${code}); }`,
      limits: { cpuMs: 2_000, memoryMb: 256 },
    });
    expect(result.status, JSON.stringify(result)).toBe('runtime_error');
    expect(result.exitCode).toBe(code);
    expect(result.message).toBeUndefined();
  });

  it('a segmentation fault says so', async () => {
    const result = await run({
      environment: 'c',
      code: '#include <signal.h>\nint main(void) { raise(SIGSEGV); return 0; }',
    });
    expect(result.status, JSON.stringify(result)).toBe('runtime_error');
    expect(result.exitCode).toBe(139);
    expect(result.message).toBe('Segmentation fault (signal 11)');
  });

  it('a program that ignores SIGXCPU is killed at the hard CPU limit: still a CPU time-out', async () => {
    const result = await run({
      environment: 'c',
      code: '#include <signal.h>\nint main(void) { signal(SIGXCPU, SIG_IGN); for (volatile unsigned long i = 0;; i++) {} }',
      limits: { cpuMs: 1_000, wallMs: 20_000 },
    });
    expect(result.status, JSON.stringify(result)).toBe('timeout');
    expect(result.exitCode).toBe(137);
    expect(result.message).toBe('CPU time limit of 1000 ms exceeded');
  });

  it('a program the OOM killer ends is memory_limit', async () => {
    const result = await run({
      environment: 'python',
      code: 'x = bytearray(512 * 1024 * 1024)\nprint(len(x))',
      limits: { memoryMb: 96 },
    });
    expect(result.status, JSON.stringify(result)).toBe('memory_limit');
    expect(result.message).toBe('memory limit of 96 MB exceeded');
  });
});
