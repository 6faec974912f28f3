import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@arena/ranking';
import { describe, expect, it } from 'vitest';
import { agreement, toThreeClass } from './metrics.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';
const LABELS = ['A', 'B', 'tie', 'both_bad'];

function cases(): { truth: string[]; predicted: string[] }[] {
  const random = seededRandom(2026);
  const pick = (weights: number[]): string => {
    let u = random() * weights.reduce((s, w) => s + w, 0);
    for (let i = 0; i < weights.length; i++) if ((u -= weights[i]!) < 0) return LABELS[i]!;
    return LABELS[0]!;
  };
  const out: { truth: string[]; predicted: string[] }[] = [];
  for (const [n, agree] of [
    [40, 0.3],
    [500, 0.6],
    [2_000, 0.75],
    [7, 0.9],
  ] as const) {
    const truth = Array.from({ length: n }, () => pick([4, 4, 1.5, 1]));
    const predicted = truth.map((t) => (random() < agree ? t : pick([3, 3, 1, 1])));
    out.push({ truth, predicted });
    out.push({ truth: truth.map(toThreeClass), predicted: predicted.map(toThreeClass) });
  }
  // A judge that never says "both bad", and one that always says "A".
  out.push({ truth: ['A', 'B', 'tie', 'both_bad', 'A'], predicted: ['A', 'B', 'tie', 'tie', 'B'] });
  out.push({ truth: ['A', 'B', 'tie', 'A'], predicted: ['A', 'A', 'A', 'A'] });
  return out;
}

describe('agreement metrics against scikit-learn', () => {
  it('match accuracy, macro-F1, Cohen’s kappa, MCC and the confusion matrix to 1e-9', () => {
    const all = cases();
    const run = spawnSync(PYTHON, [path.join(here, '../test/sklearn_metrics.py')], {
      input: JSON.stringify(all),
      encoding: 'utf8',
    });
    if (run.status !== 0)
      throw new Error(`scikit-learn reference failed (Debian's python3-sklearn is needed): ${run.stderr}`);
    const reference = JSON.parse(run.stdout) as {
      accuracy: number;
      macroF1: number;
      kappa: number;
      mcc: number;
      confusion: number[][];
      labels: string[];
    }[];
    all.forEach((c, i) => {
      const ours = agreement(c.truth, c.predicted);
      const ref = reference[i]!;
      expect(ours.confusion.labels).toEqual(ref.labels);
      expect(ours.confusion.matrix).toEqual(ref.confusion);
      for (const key of ['accuracy', 'macroF1', 'kappa', 'mcc'] as const) {
        expect(Math.abs(ours[key] - ref[key]), `${key} in case ${i}`).toBeLessThan(1e-9);
      }
    });
  });
});
