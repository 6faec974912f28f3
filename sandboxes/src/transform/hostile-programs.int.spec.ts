import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolatedVmRunner } from '../isolated-vm/isolated-vm.runner.js';
import type { OutputChunk, RunRequest, Runner } from '../types.js';
import { WebPreviewRunner } from '../web/web-preview.runner.js';
import { configureTransforms, DEFAULT_TRANSFORM_LIMITS, type TransformWorkerEvent } from './transform-service.js';

/** Programs that crashed the server, or took the machine's memory, when esbuild ran in the server's process. */
const HOSTILE: [string, string][] = [
  ['40 KB of nested braces', '{'.repeat(20_000) + '}'.repeat(20_000)],
  ['80 KB of nested braces', '{'.repeat(40_000) + '}'.repeat(40_000)],
  ['190 000 unary nots', 'const v = ' + '!'.repeat(190_000) + '1;'],
];
const MEMORY_MB = DEFAULT_TRANSFORM_LIMITS.memoryMb;
/** What ends them is the memory (or Go's stack) limit; the time limit is set far out so it cannot. */
const STOPPED_BY_LIMIT = new RegExp(
  `the compiler ran out of its ${MEMORY_MB} MB of memory|the program nests too deeply for the compiler`,
);

const events: TransformWorkerEvent[] = [];
/** The largest resident size seen of any process in a transform worker's process group (the worker, esbuild). */
let peakRssKb = 0;
let sampler: NodeJS.Timeout;

function sampleWorkers(): void {
  const groups = new Set(events.filter((e) => e.kind === 'spawn' && e.pid).map((e) => e.pid));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The process group is the fifth field of stat, after the command name in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (!groups.has(pgrp)) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (hwm) peakRssKb = Math.max(peakRssKb, Number(hwm[1]));
    } catch {
      // Gone between the listing and the read.
    }
  }
}

const isolatedVm = new IsolatedVmRunner({ size: 1 });
const web = new WebPreviewRunner();
beforeAll(() => {
  configureTransforms({ size: 1, memoryMb: MEMORY_MB, timeoutMs: 40_000, onWorkerEvent: (e) => events.push(e) });
  sampler = setInterval(sampleWorkers, 25);
});
afterAll(async () => {
  clearInterval(sampler);
  await isolatedVm.close();
});

async function run(runner: Runner, request: RunRequest) {
  let stderr = '';
  const result = await runner.run(request, {
    onOutput: (chunk: OutputChunk) => {
      if (chunk.stream === 'stderr') stderr += chunk.data;
    },
  });
  return { ...result, stderr };
}

async function normalRunsStillWork(): Promise<void> {
  const ts = await run(isolatedVm, { environment: 'typescript', code: 'const n: number = 6 * 7;\nconsole.log(n);' });
  expect(ts.status, ts.stderr).toBe('ok');
  const react = await run(web, { environment: 'react', code: 'export default function App() { return <p>hi</p>; }' });
  expect(react.status, react.stderr).toBe('ok');
}

describe.each(HOSTILE)('%s', (_name, code) => {
  it('ends the TypeScript run with a compile error at the memory limit; TypeScript and React still work', async () => {
    const hostile = await run(isolatedVm, { environment: 'typescript', code });
    expect(hostile.status).toBe('compile_error');
    expect(hostile.stderr).toMatch(/^main\.ts - error: /);
    expect(hostile.stderr).toMatch(STOPPED_BY_LIMIT);
    await normalRunsStillWork();
  });

  it('ends the React preview with a compile error at the memory limit; TypeScript and React still work', async () => {
    const hostile = await run(web, { environment: 'react', code });
    expect(hostile.status).toBe('compile_error');
    expect(hostile.stderr).toMatch(/^main\.jsx - error: /);
    expect(hostile.stderr).toMatch(STOPPED_BY_LIMIT);
    await normalRunsStillWork();
  });
});

describe('the limits that held', () => {
  it('JavaScript that breaks the parser ends with a compile error from the arena, not a SyntaxError', async () => {
    const hostile = await run(isolatedVm, { environment: 'javascript', code: HOSTILE[2]![1] });
    expect(hostile.status).toBe('compile_error');
    expect(hostile.stderr).toMatch(/^main\.js - error: /);
    expect(hostile.stderr).toMatch(STOPPED_BY_LIMIT);
    await normalRunsStillWork();
  });

  it('no compiler process grew past its memory limit, and none had to be stopped by the clock', () => {
    sampleWorkers();
    expect(peakRssKb).toBeGreaterThan(0);
    expect(peakRssKb).toBeLessThanOrEqual(MEMORY_MB * 1024);
    expect(events.filter((e) => e.kind === 'kill' && e.reason === 'timeout')).toEqual([]);
    expect(events.filter((e) => e.kind === 'exit').length).toBeGreaterThanOrEqual(HOSTILE.length * 2);
  });
});
