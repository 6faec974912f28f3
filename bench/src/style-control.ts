/**
 * Style control speed: FastChat's style-controlled Bradley-Terry on 1,000,000 battles among 100 models
 * (JSONL with conv_metadata) — load, fit and 100 bootstrap rounds over resampled battles — against
 * FastChat's own code path (compute_style_control + compute_bootstrap_style_control, SciPy L-BFGS-B, its
 * multiprocessing pool over every core) on the same file and machine. Prints the ratio.
 *
 * BENCH_STYLE_SCIPY_ROUNDS times fewer SciPy bootstrap rounds and projects them to the full count (each
 * round is an independent fit of the same size); the default runs them all.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  computeStyleLeaderboard,
  styleBattlesFromJsonlChunks,
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

async function ours(file: string): Promise<Timing> {
  const t0 = performance.now();
  const battles = await styleBattlesFromJsonlChunks(createReadStream(file, { highWaterMark: 1 << 20 }), file);
  const t1 = performance.now();
  computeStyleLeaderboard(battles);
  const t2 = performance.now();
  computeStyleLeaderboard(battles, { bootstrap: ROUNDS, seed: 42 });
  const t3 = performance.now();
  const fit = (t2 - t1) / 1000;
  return {
    load: (t1 - t0) / 1000,
    fit,
    bootstrap: (t3 - t2) / 1000 - fit,
    total: (t3 - t0) / 1000 - fit,
  };
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
const mine = await ours(file);
const scipy = fastchat(file, SCIPY_ROUNDS);
const scipyBootstrap = (scipy.bootstrap / Math.max(1, scipy.rounds)) * ROUNDS;
const scipyTotal = scipy.load + scipy.fit + scipyBootstrap;
const row = (name: string, r: Omit<Timing, 'total'>, total: number, note = '') => ({
  implementation: name,
  'load s': fmt(r.load, 3),
  'fit s': fmt(r.fit, 3),
  [`${ROUNDS} bootstrap rounds s`]: fmt(r.bootstrap, 3),
  'total s': fmt(total, 3),
  'vs arena': fmt(total / mine.total, 1) + '×',
  note,
});
process.stdout.write(
  `\nstyle control: ${BATTLES.toLocaleString('en')} battles among ${MODELS} models (JSONL with conv_metadata), fit + ${ROUNDS} bootstrap rounds\n\n` +
    table([
      row('arena (ranking/, TypeScript, one thread)', mine, mine.total),
      row(
        `FastChat compute_(bootstrap_)style_control (SciPy, ${scipy.cpus} processes)`,
        { ...scipy, bootstrap: scipyBootstrap },
        scipyTotal,
        scipy.rounds < ROUNDS ? `bootstrap projected from ${scipy.rounds} timed rounds` : '',
      ),
    ]) +
    `\nFastChat / arena: ${fmt(scipyTotal / mine.total, 1)}×\n`,
);
await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
await writeFile(
  path.join(REPO_ROOT, 'bench/results/style-control.json'),
  JSON.stringify(
    {
      battles: BATTLES,
      models: MODELS,
      rounds: ROUNDS,
      arena: mine,
      fastchat: { ...scipy, projectedBootstrap: scipyBootstrap, projectedTotal: scipyTotal },
      ratio: scipyTotal / mine.total,
    },
    null,
    2,
  ),
);
