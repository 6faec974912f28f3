import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { styleBattlesFromText } from './battles-file.js';
import { computeStyleLeaderboard } from './leaderboard.js';
import { fitStyleControl, STYLE_FEATURES, styleRatings } from './style-control.js';
import { syntheticStyledBattles } from './synthetic.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';
const dir = mkdtempSync(path.join(os.tmpdir(), 'arena-style-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fastchat(file: string): { ratings: Record<string, number>; coefficients: number[] } {
  const run = spawnSync(PYTHON, [path.join(here, '../../bench/reference/style_control_fastchat.py'), 'fit', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`FastChat reference failed (Debian's python3-scipy is needed): ${run.stderr}`);
  return JSON.parse(run.stdout) as { ratings: Record<string, number>; coefficients: number[] };
}

// The acceptance size (100 models, 200,000 battles) runs in CI; locally a smaller file keeps this well under
// a minute. Both go through FastChat's own compute_style_control (SciPy L-BFGS-B).
const sizes = [
  { models: 12, battles: 8_000, seed: 11 },
  process.env['CI'] === 'true'
    ? { models: 100, battles: 200_000, seed: 12 }
    : { models: 40, battles: 60_000, seed: 12 },
];

describe("style control against FastChat's compute_style_control (SciPy)", () => {
  it.each(sizes)(
    'equal ratings (0.01) and coefficients (1e-4) on $battles battles among $models models',
    ({ models, battles, seed }) => {
      const { rows } = syntheticStyledBattles({ models, battles, seed });
      const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
      const file = path.join(dir, `styled-${models}-${battles}.jsonl`);
      writeFileSync(file, text);
      const theirs = fastchat(file);

      const data = styleBattlesFromText(text, 'jsonl', file);
      const fit = fitStyleControl(data);
      const ratings = styleRatings(fit.strengths);
      expect(data.models).toHaveLength(models);
      let ratingGap = 0;
      data.models.forEach((m, i) => (ratingGap = Math.max(ratingGap, Math.abs(ratings[i]! - theirs.ratings[m]!))));
      const coefficientGap = Math.max(
        ...STYLE_FEATURES.map((f, i) => Math.abs(fit.coefficients[f] - theirs.coefficients[i]!)),
      );
      process.stdout.write(
        `style control ${models}×${battles}: max rating gap ${ratingGap.toExponential(2)}, max coefficient gap ${coefficientGap.toExponential(2)}\n`,
      );
      expect(ratingGap).toBeLessThan(0.01);
      expect(coefficientGap).toBeLessThan(1e-4);
      // The synthetic outcomes favour longer answers: the token coefficient is clearly positive.
      expect(fit.coefficients.tokens).toBeGreaterThan(0.1);

      // The board reports the same ratings and coefficients, whatever its interval method.
      const board = computeStyleLeaderboard(data);
      for (const row of board.rows) expect(Math.abs(row.rating - theirs.ratings[row.model]!)).toBeLessThan(0.01);
      expect(board.styleCoefficients.tokens).toBeCloseTo(theirs.coefficients[0]!, 4);
    },
    // SciPy's fit of the acceptance size alone takes most of a minute on a small machine.
    300_000,
  );
});
