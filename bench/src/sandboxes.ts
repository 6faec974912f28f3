/**
 * Sandbox speed, each figure beside its baseline in the same run:
 *  - JavaScript in isolated-vm: runs per second and p50/p99 of a short program, sequential and 20 at once,
 *    against a plain `node -e` process per run.
 *  - Python through the Docker warm pool: p50/p99 of a short program, paced and 20 at once, against a plain
 *    `docker run` (same image, same hardening flags) of the same program. The burst of 20 is measured in
 *    rounds, each round the baseline, the pool without reuse (one container per run) and the pool with
 *    reuse (used containers reset and handed out again, growing with demand), each pool fresh with 4 ready
 *    containers; the ratios are per round and their median. The containers (and their memory) a pool holds
 *    at rest are counted before the burst and once it has settled after.
 * Needs a Docker engine with the sandbox image (`bash sandboxes/images/build.sh`).
 *   BENCH_JS=off skips JavaScript; BENCH_BURST_ROUNDS rounds of the burst (default 3).
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { DockerRunner, IsolatedVmRunner, type RunResult } from '@arena/sandboxes';
import { SANDBOX_IMAGE, dockerRunArgs } from './docker-baseline.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const JS_RUNS = Number(process.env['BENCH_JS_RUNS'] ?? 400);
const PY_RUNS = Number(process.env['BENCH_PY_RUNS'] ?? 30);
const CONCURRENT = 20;
const BURST_ROUNDS = Number(process.env['BENCH_BURST_ROUNDS'] ?? 3);
const POOL_SIZE = 4;
const SHRINK_MS = 3_000;
const JS_PROGRAM =
  'const xs = Array.from({ length: 100 }, (_, i) => i * i);\nconsole.log(xs.reduce((a, b) => a + b, 0));';
const PY_PROGRAM = 'xs = [i * i for i in range(100)]\nprint(sum(xs))';
const IMAGE = SANDBOX_IMAGE;
const DOCKER_RUN_FLAGS = dockerRunArgs(128);

function timeProcess(command: string, args: string[], expected: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      if (out.trim() !== expected) reject(new Error(`${command} printed ${JSON.stringify(out)}`));
      else resolve(performance.now() - started);
    });
  });
}

async function timeRun(run: () => Promise<RunResult>, expected: (r: RunResult) => boolean): Promise<number> {
  const started = performance.now();
  const result = await run();
  if (!expected(result)) throw new Error(`unexpected result ${JSON.stringify(result)}`);
  return performance.now() - started;
}

async function sequential(n: number, once: () => Promise<number>, gapMs = 0): Promise<Summary & { perSecond: number }> {
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    times.push(await once());
    if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  const seconds = (performance.now() - started - gapMs * n) / 1000;
  return { ...summarize(times), perSecond: n / seconds };
}

async function concurrent(
  n: number,
  width: number,
  once: () => Promise<number>,
): Promise<Summary & { perSecond: number }> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        next++;
        times.push(await once());
      }
    }),
  );
  return { ...summarize(times), perSecond: n / ((performance.now() - started) / 1000) };
}

const row = (name: string, s: Summary & { perSecond: number }, baseline?: Summary & { perSecond: number }) => ({
  measurement: name,
  n: s.n,
  'p50 ms': fmt(s.p50, 1),
  'p99 ms': fmt(s.p99, 1),
  'runs/s': fmt(s.perSecond, 1),
  'p50 vs baseline': baseline ? `${fmt(baseline.p50 / s.p50, 1)}× faster` : 'baseline',
});

// ---- JavaScript: isolated-vm against a process per run ----
if (process.env['BENCH_JS'] !== 'off') {
  const ivm = new IsolatedVmRunner();
  await ivm.warm();
  const jsOnce = () =>
    timeRun(
      () => ivm.run({ environment: 'javascript', code: JS_PROGRAM }),
      (r) => r.status === 'ok',
    );
  for (let i = 0; i < 20; i++) await jsOnce();
  const jsSeq = await sequential(JS_RUNS, jsOnce);
  const jsConc = await concurrent(JS_RUNS, CONCURRENT, jsOnce);
  await ivm.close();
  const nodeOnce = () => timeProcess(process.execPath, ['-e', JS_PROGRAM], '328350');
  const nodeSeq = await sequential(Math.min(40, JS_RUNS), nodeOnce);
  const nodeConc = await concurrent(Math.min(100, JS_RUNS), CONCURRENT, nodeOnce);
  console.log(`\nJavaScript: a short program (${JS_RUNS} runs; ${CONCURRENT} at once for the concurrent rows)\n`);
  console.log(
    table([
      row('node -e, one process per run, sequential', nodeSeq),
      row('isolated-vm runner, sequential', jsSeq, nodeSeq),
      row(`node -e, ${CONCURRENT} at once`, nodeConc),
      row(`isolated-vm runner, ${CONCURRENT} at once`, jsConc, nodeConc),
    ]),
  );
}

// ---- Python: the Docker warm pool against docker run ----
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A runner's containers on the engine, and the memory their cgroups hold (v1 `memory.usage_in_bytes` or v2 `memory.current`). */
async function atRest(runner: DockerRunner): Promise<{ containers: number; memoryMb: number }> {
  const { stdout } = await promisify(execFile)('docker', [
    'ps',
    '-aq',
    '--no-trunc',
    '--filter',
    `label=arena.owner=${runner.owner}`,
  ]);
  const list = stdout.split('\n').filter(Boolean);
  let bytes = 0;
  for (const id of list) {
    const v1 = `/sys/fs/cgroup/memory/docker/${id}/memory.usage_in_bytes`;
    const v2 = `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.current`;
    const text = await readFile(v1, 'utf8').catch(() => readFile(v2, 'utf8').catch(() => '0'));
    bytes += Number(text.trim()) || 0;
  }
  return { containers: list.length, memoryMb: bytes / 1024 / 1024 };
}

/** A pool started fresh and given time to fill and settle. */
async function freshPool(reuse: boolean): Promise<DockerRunner> {
  const runner = new DockerRunner({
    poolSize: POOL_SIZE,
    maxConcurrent: CONCURRENT,
    image: IMAGE,
    apps: false,
    shrinkAfterMs: SHRINK_MS,
    ...(reuse ? {} : { reuse: false }),
  });
  if (!(await runner.start()))
    throw new Error(`no Docker engine with ${IMAGE}: ${JSON.stringify(runner.describeHosts())}`);
  for (let i = 0; i < 200 && (runner.describeHosts()[0]?.idle ?? 0) < POOL_SIZE; i++) await sleep(100);
  await sleep(2_000);
  return runner;
}

// A wall clock far above the runs' own time: it counts from before a container is found, and a pool
// without reuse starts most of the burst's containers on a machine other agents load too.
const pyOnce = (runner: DockerRunner) => () =>
  timeRun(
    () => runner.run({ environment: 'python', code: PY_PROGRAM, limits: { wallMs: 120_000 } }),
    (r) => r.status === 'ok',
  );
const dockerOnce = () => timeProcess('docker', [...DOCKER_RUN_FLAGS, 'python3', '-c', PY_PROGRAM], '328350');

// Paced: one run at a time with the pool given time to refill (a busy arena's steady state).
const paced = await freshPool(true);
const pyPaced = await sequential(PY_RUNS, pyOnce(paced), 400);
await paced.close();
const dockerSeq = await sequential(PY_RUNS, dockerOnce);
console.log(
  `\nPython: a short program through the warm pool (${POOL_SIZE} ready containers, reuse on) against docker run\n`,
);
console.log(table([row('docker run, sequential', dockerSeq), row('warm pool, one at a time', pyPaced, dockerSeq)]));

type Burst = Summary & { perSecond: number };
interface Round {
  baseline: Burst;
  pools: {
    reuse: boolean;
    burst: Burst;
    before: { containers: number; memoryMb: number };
    after: { containers: number; memoryMb: number };
  }[];
}
const rounds: Round[] = [];
for (let r = 0; r < BURST_ROUNDS; r++) {
  const baseline = await concurrent(CONCURRENT, CONCURRENT, dockerOnce);
  await sleep(2_000);
  const pools: Round['pools'] = [];
  for (const reuse of [false, true]) {
    const runner = await freshPool(reuse);
    const before = await atRest(runner);
    const burst = await concurrent(CONCURRENT, CONCURRENT, pyOnce(runner));
    // Settled: the resets and starts the burst set off are done and the pool has shrunk back.
    await sleep(SHRINK_MS + 3_000);
    const after = await atRest(runner);
    pools.push({ reuse, burst, before, after });
    await runner.close();
    await sleep(2_000);
  }
  rounds.push({ baseline, pools });
  const rows: Record<string, string | number>[] = [
    {
      ...row(`docker run, ${CONCURRENT} at once`, baseline),
      'p99 vs baseline': 'baseline',
      'at rest before → after': '-',
    },
  ];
  for (const pool of pools)
    rows.push({
      ...row(`warm pool, reuse ${pool.reuse ? 'on' : 'off'}, ${CONCURRENT} at once`, pool.burst, baseline),
      'p99 vs baseline': `${fmt(baseline.p99 / pool.burst.p99, 1)}× faster`,
      'at rest before → after': `${pool.before.containers} (${fmt(pool.before.memoryMb, 0)} MB) → ${pool.after.containers} (${fmt(pool.after.memoryMb, 0)} MB)`,
    });
  console.log(
    `\nPython burst, round ${r + 1} of ${BURST_ROUNDS}: ${CONCURRENT} short programs at once, pools of ${POOL_SIZE}\n`,
  );
  console.log(table(rows));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const spread = (values: number[]): string =>
  `${fmt(median(values), 1)}× (${fmt(Math.min(...values), 1)}–${fmt(Math.max(...values), 1)})`;
console.log(`\nPython burst over ${BURST_ROUNDS} rounds: pool against docker run, median (min–max)\n`);
console.log(
  table(
    [false, true].map((reuse) => {
      const ratios = rounds.map((round) => {
        const pool = round.pools.find((p) => p.reuse === reuse)!;
        return { p50: round.baseline.p50 / pool.burst.p50, p99: round.baseline.p99 / pool.burst.p99 };
      });
      const rest = rounds.map((round) => round.pools.find((p) => p.reuse === reuse)!);
      return {
        pool: `reuse ${reuse ? 'on' : 'off'}`,
        'p50 ratio': spread(ratios.map((x) => x.p50)),
        'p99 ratio': spread(ratios.map((x) => x.p99)),
        'containers at rest before': rest.map((p) => p.before.containers).join(', '),
        after: rest.map((p) => p.after.containers).join(', '),
        'MB at rest before': rest.map((p) => fmt(p.before.memoryMb, 0)).join(', '),
        'MB after': rest.map((p) => fmt(p.after.memoryMb, 0)).join(', '),
      };
    }),
  ),
);
