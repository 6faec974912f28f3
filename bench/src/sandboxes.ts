/**
 * Sandbox speed, each figure beside its baseline in the same run:
 *  - JavaScript in isolated-vm: runs per second and p50/p99 of a short program, sequential and 20 at once,
 *    against a plain `node -e` process per run.
 *  - Python through the Docker warm pool: p50/p99 of a short program, paced and 20 at once, against a plain
 *    `docker run` (same image, same hardening flags) of the same program.
 * Needs a Docker engine with the sandbox image (`bash sandboxes/images/build.sh`).
 */
import { spawn } from 'node:child_process';
import { DockerRunner, IsolatedVmRunner, type RunResult } from '@arena/sandboxes';
import { SANDBOX_IMAGE, dockerRunArgs } from './docker-baseline.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const JS_RUNS = Number(process.env['BENCH_JS_RUNS'] ?? 400);
const PY_RUNS = Number(process.env['BENCH_PY_RUNS'] ?? 30);
const CONCURRENT = 20;
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

// ---- Python: the Docker warm pool against docker run ----
const pool = new DockerRunner({ poolSize: 4, maxConcurrent: CONCURRENT, image: IMAGE });
if (!(await pool.start())) throw new Error(`no Docker engine with ${IMAGE}: ${JSON.stringify(pool.describeHosts())}`);
await new Promise((resolve) => setTimeout(resolve, 2_000));
const pyOnce = () =>
  timeRun(
    () => pool.run({ environment: 'python', code: PY_PROGRAM }),
    (r) => r.status === 'ok',
  );
// Paced: one run at a time with the pool given time to refill (a busy arena's steady state).
const pyPaced = await sequential(PY_RUNS, pyOnce, 400);
const dockerOnce = () => timeProcess('docker', [...DOCKER_RUN_FLAGS, 'python3', '-c', PY_PROGRAM], '328350');
const dockerSeq = await sequential(PY_RUNS, dockerOnce);
const pyBurst = await concurrent(CONCURRENT, CONCURRENT, pyOnce);
await new Promise((resolve) => setTimeout(resolve, 3_000));
const dockerBurst = await concurrent(CONCURRENT, CONCURRENT, dockerOnce);
await pool.close();
console.log(`\nPython: a short program through the warm pool (4 ready containers) against docker run\n`);
console.log(
  table([
    row('docker run, sequential', dockerSeq),
    row('warm pool, one at a time', pyPaced, dockerSeq),
    row(`docker run, ${CONCURRENT} at once`, dockerBurst),
    row(`warm pool, ${CONCURRENT} at once (pool of 4 drains)`, pyBurst, dockerBurst),
  ]),
);
