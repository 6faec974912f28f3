/**
 * Style control speed: FastChat's style-controlled Bradley-Terry on 1,000,000 battles among 100 models
 * (JSONL with conv_metadata) — load, fit and 100 bootstrap rounds over resampled battles — against
 * FastChat's own code path (compute_style_control + compute_bootstrap_style_control, SciPy L-BFGS-B, its
 * multiprocessing pool over every core) on the same file and machine, BENCH_STYLE_RUNS times (default 3)
 * one after the other. Prints each run's ratio and the median.
 *
 * The arena's figure is the whole job as `arena rank --style --bootstrap` does it: load the file, fit, 100
 * rounds over worker threads (one per core). BENCH_STYLE_SCIPY_ROUNDS times fewer SciPy bootstrap rounds and
 * projects them to the full count (each round is an independent fit of the same size); the default runs
 * them all. The wall-clock figures also report the process CPU time, since other work on a shared machine
 * slows both sides. Each run also times the whole `arena rank --input FILE --style-control --bootstrap 100`
 * process (backend/dist, built beforehand), start-up and output included, with its CPU time.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  computeStyleLeaderboard,
  computeStyleLeaderboardThreaded,
  styleBattlesFromJsonlFile,
  syntheticStyledBattles,
  type StyledBattleRow,
} from '@arena/ranking';
import { REPO_ROOT } from './processes.js';
import { fmt, table } from './stats.js';

const BATTLES = Number(process.env['BENCH_STYLE_BATTLES'] ?? 1_000_000);
const MODELS = Number(process.env['BENCH_STYLE_MODELS'] ?? 100);
const ROUNDS = Number(process.env['BENCH_STYLE_ROUNDS'] ?? 100);
const SCIPY_ROUNDS = Number(process.env['BENCH_STYLE_SCIPY_ROUNDS'] ?? ROUNDS);
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';
const RUNS = Number(process.env['BENCH_STYLE_RUNS'] ?? 3);

/** The synthetic FastChat-format file (written once, reused): conv_metadata as integers and as objects. */
async function styledBattlesFile(battles = BATTLES, models = MODELS): Promise<string> {
  const file = path.join(os.tmpdir(), `arena-bench-styled-${battles}-${models}.jsonl`);
  if (existsSync(file)) return file;
  const { rows } = syntheticStyledBattles({ models, battles, seed: 2026 });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  for (let i = 0; i < rows.length; i += 10_000) {
    await write(
      rows
        .slice(i, i + 10_000)
        .map((r: StyledBattleRow) => JSON.stringify(r))
        .join('\n') + '\n',
    );
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  await rename(partial, file);
  return file;
}

interface Timing {
  load: number;
  fit: number;
  bootstrap: number;
  total: number;
}

/** Seconds of CPU this process (all its threads) used since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/**
 * Load, then the bootstrapped board in one call (fit, sandwich, rounds); the fit alone is timed apart to
 * split the figure, and is not counted in the total.
 */
async function ours(file: string): Promise<Timing & { cpu: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const battles = await styleBattlesFromJsonlFile(file);
  const t1 = performance.now();
  await computeStyleLeaderboardThreaded(battles, { bootstrap: ROUNDS, seed: 42 });
  const t2 = performance.now();
  const cpuTotal = cpuSeconds(cpu);
  computeStyleLeaderboard(battles);
  const fit = (performance.now() - t2) / 1000;
  return {
    load: (t1 - t0) / 1000,
    fit,
    bootstrap: (t2 - t1) / 1000 - fit,
    total: (t2 - t0) / 1000,
    cpu: cpuTotal,
  };
}

/**
 * The whole `arena rank --input FILE --style-control --bootstrap ROUNDS` process as a user runs it (Node's
 * start-up, the file, the board, the output), with its CPU time (user + system, all threads) from
 * /usr/bin/time.
 */
function wholeProcess(file: string): { wall: number; cpu: number } {
  const cli = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
  const args = ['rank', '--input', file, '--style-control', '--bootstrap', String(ROUNDS), '--format', 'json'];
  const t0 = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, cli, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`arena ${args.join(' ')} failed: ${run.stderr}`);
  const times = /cpu (\S+) (\S+)\s*$/.exec(run.stderr);
  return { wall, cpu: times ? Number(times[1]) + Number(times[2]) : NaN };
}

function fastchat(file: string, rounds: number): Timing & { rounds: number; cpus: number } {
  const run = spawnSync(
    PYTHON,
    [path.join(REPO_ROOT, 'bench/reference/style_control_fastchat.py'), 'bench', file, String(rounds)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (run.status !== 0) throw new Error(`style_control_fastchat.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Timing & { rounds: number; cpus: number };
}

const file = await styledBattlesFile();
const runs: {
  arena: Timing & { cpu: number };
  process: { wall: number; cpu: number };
  fastchat: ReturnType<typeof fastchat>;
  scipyTotal: number;
}[] = [];
const rows: Record<string, string>[] = [];
for (let run = 1; run <= RUNS; run++) {
  const mine = await ours(file);
  const whole = wholeProcess(file);
  const scipy = fastchat(file, SCIPY_ROUNDS);
  const scipyBootstrap = (scipy.bootstrap / Math.max(1, scipy.rounds)) * ROUNDS;
  const scipyTotal = scipy.load + scipy.fit + scipyBootstrap;
  runs.push({ arena: mine, process: whole, fastchat: scipy, scipyTotal });
  const row = (name: string, r: Omit<Timing, 'total'>, total: number, note = '') => ({
    run: String(run),
    implementation: name,
    'load s': fmt(r.load, 3),
    'fit s': fmt(r.fit, 3),
    [`${ROUNDS} bootstrap rounds s`]: fmt(r.bootstrap, 3),
    'total s': fmt(total, 3),
    'vs arena': fmt(total / mine.total, 1) + '×',
    note,
  });
  rows.push(
    row(
      `arena (ranking/, TypeScript, ${os.availableParallelism()} threads)`,
      mine,
      mine.total,
      `CPU ${fmt(mine.cpu, 2)} s`,
    ),
    {
      run: String(run),
      implementation: `arena rank --style-control --bootstrap ${ROUNDS} (whole process, ${os.availableParallelism()} cores)`,
      'load s': '',
      'fit s': '',
      [`${ROUNDS} bootstrap rounds s`]: '',
      'total s': fmt(whole.wall, 3),
      'vs arena': fmt(whole.wall / mine.total, 1) + '×',
      note: `CPU ${fmt(whole.cpu, 2)} s`,
    },
    row(
      `FastChat compute_(bootstrap_)style_control (SciPy, ${scipy.cpus} processes)`,
      { ...scipy, bootstrap: scipyBootstrap },
      scipyTotal,
      scipy.rounds < ROUNDS ? `bootstrap projected from ${scipy.rounds} timed rounds` : '',
    ),
  );
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const ratios = runs.map((r) => r.scipyTotal / r.arena.total);
process.stdout.write(
  `\nstyle control: ${BATTLES.toLocaleString('en')} battles among ${MODELS} models (JSONL with conv_metadata), load + fit + ${ROUNDS} bootstrap rounds, ${RUNS} runs\n\n` +
    table(rows) +
    `\nFastChat / arena per run: ${ratios.map((r) => fmt(r, 1) + '×').join(', ')}; median ${fmt(median(ratios), 1)}×` +
    `; arena median total ${fmt(median(runs.map((r) => r.arena.total)), 2)} s (CPU ${fmt(median(runs.map((r) => r.arena.cpu)), 2)} s)` +
    `; whole \`arena rank --style-control\` process median ${fmt(median(runs.map((r) => r.process.wall)), 2)} s` +
    ` (CPU ${fmt(median(runs.map((r) => r.process.cpu)), 2)} s)` +
    `; FastChat / whole process median ${fmt(median(runs.map((r) => r.scipyTotal / r.process.wall)), 1)}×\n`,
);
await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
await writeFile(
  path.join(REPO_ROOT, 'bench/results/style-control.json'),
  JSON.stringify(
    {
      battles: BATTLES,
      models: MODELS,
      rounds: ROUNDS,
      runs,
      ratios,
      medianRatio: median(ratios),
    },
    null,
    2,
  ),
);
