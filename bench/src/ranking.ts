/**
 * Ranking speed: 1,000,000 battles among 100 models — load the file, aggregate, fit and 100 bootstrap
 * rounds — against two references on the same file: FastChat's aggregated-count fit (SciPy L-BFGS) and the
 * per-battle scikit-learn logistic regression that BigCodeArena and Arena-Hard use.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { computeLeaderboard, countsFromJsonlChunks, syntheticBattles } from '@arena/ranking';
import { REPO_ROOT } from './processes.js';
import { fmt, table } from './stats.js';

const BATTLES = Number(process.env['BENCH_RANKING_BATTLES'] ?? 1_000_000);
const MODELS = Number(process.env['BENCH_RANKING_MODELS'] ?? 100);
const ROUNDS = Number(process.env['BENCH_RANKING_ROUNDS'] ?? 100);
const SKLEARN_ROUNDS = Number(process.env['BENCH_SKLEARN_ROUNDS'] ?? 1);
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';

const file = path.join(os.tmpdir(), `arena-bench-battles-${BATTLES}-${MODELS}.jsonl`);
if (!existsSync(file)) {
  const { rows } = syntheticBattles({ models: MODELS, battles: BATTLES, seed: 2026, tieRate: 0.15 });
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

async function ours(): Promise<{ load: number; fit: number; bootstrap: number; total: number }> {
  const t0 = performance.now();
  const counts = await countsFromJsonlChunks(createReadStream(file, { highWaterMark: 1 << 20 }), file);
  const t1 = performance.now();
  computeLeaderboard(counts);
  const t2 = performance.now();
  computeLeaderboard(counts, { bootstrap: ROUNDS, seed: 42 });
  const t3 = performance.now();
  return {
    load: (t1 - t0) / 1000,
    fit: (t2 - t1) / 1000,
    bootstrap: (t3 - t2 - (t2 - t1)) / 1000,
    total: (t3 - t0 - (t2 - t1)) / 1000,
  };
}

function reference(
  script: string,
  rounds: number,
): { load: number; fit: number; bootstrap: number; rounds: number; total: number } {
  const run = spawnSync(PYTHON, [path.join(REPO_ROOT, 'bench/reference', script), file, String(rounds)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { load: number; fit: number; bootstrap: number; rounds: number; total: number };
}

/**
 * The whole `arena rank --input FILE --bootstrap ROUNDS` process, start-up and file included, as a user runs
 * it (the best of PROCESS_RUNS, with the spread), against FastChat's SciPy fit and bootstraps alone.
 */
const PROCESS_RUNS = Number(process.env['BENCH_RANKING_PROCESS_RUNS'] ?? 3);
function wholeProcess(): { best: number; median: number; worst: number; startup: number } {
  const cli = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
  const time = (args: string[]): number => {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) throw new Error(`arena ${args.join(' ')} failed: ${run.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  const runs = Array.from({ length: PROCESS_RUNS }, () =>
    time(['rank', '--input', file, '--bootstrap', String(ROUNDS), '--format', 'json']),
  ).sort((a, b) => a - b);
  const startup = Math.min(...Array.from({ length: PROCESS_RUNS }, () => time(['help'])));
  return { best: runs[0]!, median: runs[Math.floor(runs.length / 2)]!, worst: runs[runs.length - 1]!, startup };
}

const mine = await ours();
const whole = wholeProcess();
const scipy = reference('bt_scipy_counts.py', ROUNDS);
const sklearn = reference('bt_sklearn_rows.py', SKLEARN_ROUNDS);
// scikit-learn's bootstrap is timed over SKLEARN_ROUNDS rounds and projected to ROUNDS.
const sklearnTotal = sklearn.load + sklearn.fit + (sklearn.bootstrap / Math.max(1, sklearn.rounds)) * ROUNDS;
const row = (name: string, r: { load: number; fit: number; bootstrap: number }, total: number, note = '') => ({
  implementation: name,
  'load+aggregate s': fmt(r.load, 3),
  'fit s': fmt(r.fit, 3),
  [`${ROUNDS} bootstrap rounds s`]: fmt(r.bootstrap, 3),
  'total s': fmt(total, 3),
  'vs arena': fmt(total / mine.total, 1) + '×',
  note,
});
process.stdout.write(
  `\nleaderboard: ${BATTLES.toLocaleString('en')} battles among ${MODELS} models (JSONL), fit + ${ROUNDS} bootstrap rounds\n\n` +
    table([
      row('arena (ranking/, TypeScript)', mine, mine.total),
      row('FastChat: SciPy L-BFGS on counts', scipy, scipy.total),
      row(
        'Arena-Hard/BigCodeArena: sklearn on rows',
        { ...sklearn, bootstrap: (sklearn.bootstrap / Math.max(1, sklearn.rounds)) * ROUNDS },
        sklearnTotal,
        `bootstrap projected from ${sklearn.rounds} timed round(s)`,
      ),
    ]) +
    `\nwhole \`arena rank --input FILE --bootstrap ${ROUNDS}\` process, ${PROCESS_RUNS} runs: best ${fmt(whole.best, 3)} s, ` +
    `median ${fmt(whole.median, 3)} s, worst ${fmt(whole.worst, 3)} s (\`arena help\` start-up ${fmt(whole.startup, 3)} s); ` +
    `FastChat's SciPy fit + bootstraps alone ${fmt(scipy.fit + scipy.bootstrap, 3)} s: ` +
    `${fmt(whole.median / (scipy.fit + scipy.bootstrap), 2)}× of it\n`,
);
await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
await writeFile(
  path.join(REPO_ROOT, 'bench/results/ranking.json'),
  JSON.stringify(
    {
      battles: BATTLES,
      models: MODELS,
      rounds: ROUNDS,
      arena: mine,
      wholeProcess: whole,
      scipy,
      sklearn: { ...sklearn, projectedTotal: sklearnTotal },
    },
    null,
    2,
  ),
);
