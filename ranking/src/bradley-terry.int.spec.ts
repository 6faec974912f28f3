import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeLeaderboard } from './leaderboard.js';
import { aggregate, type BattleRow } from './pairwise.js';
import { syntheticBattles } from './synthetic.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';

function reference(rows: BattleRow[], models: string[]): Record<string, number> {
  const run = spawnSync(PYTHON, [path.join(here, '../test/reference_bt.py')], {
    input: JSON.stringify({ battles: rows, models }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`reference fit failed (Debian's python3-scipy is needed): ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, number>;
}

describe('Bradley-Terry against the SciPy reference (FastChat formulation)', () => {
  it.each([
    { models: 8, battles: 5_000, seed: 1 },
    { models: 25, battles: 40_000, seed: 2 },
  ])('agrees within 0.01 rating points on $battles battles among $models models', ({ models, battles, seed }) => {
    const { rows, names } = syntheticBattles({ models, battles, seed, tieRate: 0.15 });
    const ours = computeLeaderboard(aggregate(rows));
    const theirs = reference(rows, names);
    expect(ours.rows).toHaveLength(models);
    for (const row of ours.rows) expect(Math.abs(row.rating - theirs[row.model]!)).toBeLessThan(0.01);
  });
});
