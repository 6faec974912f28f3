/**
 * What containing the compiler costs: a short TypeScript program transpiled by esbuild in this process (how
 * the arena did it before) beside the same through the TransformService (a pool of worker processes under
 * an address-space limit), one at a time and 20 at once; then a whole TypeScript run in isolated-vm for
 * scale, and the resident memory of an idle worker (its Node and its esbuild).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { transform } from 'esbuild';
import { IsolatedVmRunner, TransformService, type TransformWorkerEvent } from '@arena/sandboxes';
import { fmt, summarize, table, type Summary } from './stats.js';

const RUNS = Number(process.env['BENCH_TRANSFORM_RUNS'] ?? 2_000);
const CONCURRENT = 20;
const PROGRAM = `interface Point { x: number; y: number }
const points: Point[] = Array.from({ length: 10 }, (_, i) => ({ x: i, y: i * i }));
function norm(p: Point): number { return Math.sqrt(p.x ** 2 + p.y ** 2); }
console.log(points.map(norm).reduce((a, b) => a + b, 0).toFixed(3));`;
const OPTIONS = { loader: 'ts', format: 'esm', target: 'es2023', sourcefile: 'main.ts' } as const;

async function timed(once: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await once();
  return performance.now() - started;
}

async function measure(n: number, width: number, once: () => Promise<void>): Promise<Summary & { perSecond: number }> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        next++;
        times.push(await timed(once));
      }
    }),
  );
  return { ...summarize(times), perSecond: n / ((performance.now() - started) / 1000) };
}

const row = (
  name: string,
  s: Summary & { perSecond: number },
  baseline?: (Summary & { perSecond: number }) | 'for scale',
) => ({
  measurement: name,
  n: s.n,
  'p50 ms': fmt(s.p50, 3),
  'p99 ms': fmt(s.p99, 3),
  'per s': fmt(s.perSecond, 0),
  'p50 vs baseline':
    baseline === 'for scale' ? baseline : baseline ? `${fmt(s.p50 / baseline.p50, 2)}× the baseline` : 'baseline',
});

const inProcess = async (): Promise<void> => {
  await transform(PROGRAM, OPTIONS);
};
const events: TransformWorkerEvent[] = [];
const service = new TransformService({ onWorkerEvent: (e) => events.push(e) });
await service.warm();
const contained = async (): Promise<void> => {
  const reply = await service.run({ op: 'transform', code: PROGRAM, ...OPTIONS });
  if (!reply.ok) throw new Error(JSON.stringify(reply.errors));
};
for (let i = 0; i < 200; i++) {
  await inProcess();
  await contained();
}

const inSeq = await measure(RUNS, 1, inProcess);
const outSeq = await measure(RUNS, 1, contained);
const inConc = await measure(RUNS, CONCURRENT, inProcess);
const outConc = await measure(RUNS, CONCURRENT, contained);

const ivm = new IsolatedVmRunner({ size: 2 });
await ivm.warm();
const runTs = async (): Promise<void> => {
  const result = await ivm.run({ environment: 'typescript', code: PROGRAM });
  if (result.status !== 'ok') throw new Error(JSON.stringify(result));
};
for (let i = 0; i < 20; i++) await runTs();
const runSeq = await measure(Math.min(RUNS, 400), 1, runTs);
await ivm.close();

/** Resident memory of each worker's process group (the worker's Node, its esbuild), idle after the runs. */
function idleRssMb(): number[] {
  const groups = new Set(events.filter((e) => e.kind === 'spawn').map((e) => e.pid));
  const perGroup = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (!groups.has(pgrp)) continue;
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      perGroup.set(pgrp, (perGroup.get(pgrp) ?? 0) + rss / 1024);
    } catch {
      // Exited between the listing and the read.
    }
  }
  return [...perGroup.values()];
}
const rss = idleRssMb();
await service.close();

console.log(
  `\nTypeScript transform of a short program (${RUNS} runs; ${CONCURRENT} at once for the concurrent rows)\n`,
);
console.log(
  table([
    row('esbuild in this process, sequential', inSeq),
    row(`TransformService (${service.limits.size} workers), sequential`, outSeq, inSeq),
    row(`esbuild in this process, ${CONCURRENT} at once`, inConc),
    row(`TransformService, ${CONCURRENT} at once`, outConc, inConc),
    row('whole TypeScript run in isolated-vm (compile included), sequential', runSeq, 'for scale'),
  ]),
);
console.log(
  `\nAdded per compile (p50): ${fmt(outSeq.p50 - inSeq.p50, 3)} ms sequential, ` +
    `${fmt(((outSeq.p50 - inSeq.p50) / runSeq.p50) * 100, 1)}% of a whole TypeScript run's p50. ` +
    `Idle worker (Node + esbuild) resident: ${rss.map((mb) => `${fmt(mb, 0)} MB`).join(', ')}.`,
);
