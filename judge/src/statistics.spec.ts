import { describe, expect, it } from 'vitest';
import { agreement } from './metrics.js';
import { bootstrapAgreement, compareBoards } from './statistics.js';
import type { Verdict } from './verdict.js';

const VERDICTS: Verdict[] = ['A', 'B', 'tie', 'both_bad'];

describe('agreement intervals and board comparison', () => {
  const pairs = Array.from({ length: 200 }, (_, i) => ({
    human: VERDICTS[i % 4]!,
    judge: i % 3 === 0 ? VERDICTS[(i + 1) % 4]! : VERDICTS[i % 4]!,
  }));

  it('bootstrap intervals hold the point estimate and are reproducible from the seed', () => {
    const point = agreement(
      pairs.map((p) => p.human),
      pairs.map((p) => p.judge),
    );
    const ci = bootstrapAgreement(pairs, 500, 7);
    expect(ci.fourClassAccuracy.low).toBeLessThan(point.accuracy);
    expect(ci.fourClassAccuracy.high).toBeGreaterThan(point.accuracy);
    expect(ci.fourClassKappa.low).toBeLessThan(point.kappa);
    expect(ci.fourClassAccuracy.high - ci.fourClassAccuracy.low).toBeLessThan(0.2);
    expect(bootstrapAgreement(pairs, 500, 7)).toEqual(ci);
    expect(bootstrapAgreement(pairs, 500, 8)).not.toEqual(ci);
  });

  it('a judge that agrees with the humans implies the same board; one that inverts them, the reverse', () => {
    const models = ['m1', 'm2', 'm3', 'm4'];
    const human: { modelA: string; modelB: string; verdict: Verdict }[] = [];
    for (let i = 0; i < 400; i++) {
      const [a, b] = [models[i % 4]!, models[(i + 1 + (i % 3)) % 4]!];
      if (a === b) continue;
      // The lower index wins more often.
      const better = models.indexOf(a) < models.indexOf(b);
      human.push({ modelA: a, modelB: b, verdict: (i % 5 === 0) !== better ? 'A' : 'B' });
    }
    const same = compareBoards(human, human);
    expect(same.spearman).toBeCloseTo(1, 12);
    expect(same.kendall).toBeCloseTo(1, 12);
    const inverted = compareBoards(
      human,
      human.map((h) => ({ ...h, verdict: h.verdict === 'A' ? 'B' : 'A' })),
    );
    expect(inverted.spearman).toBeCloseTo(-1, 12);
    expect(inverted.models).toHaveLength(4);
  });
});
