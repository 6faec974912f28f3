import { describe, expect, it } from 'vitest';
import { fitBradleyTerry, SCALE } from './bradley-terry.js';
import { PairCountsBuilder, type Outcome } from './pairwise.js';

const OUTCOMES: Outcome[] = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];

/**
 * Twenty models, each meeting the ones 7 places either side; the outcome follows the battle's number modulo 4
 * and the models its number modulo 20, so some models win (or lose) every battle they play: ratings only the
 * ridge holds, as a new model's after a first run of wins.
 */
function separated() {
  const builder = new PairCountsBuilder();
  for (let g = 1; g <= 20_000; g++) builder.add(`m${g % 20}`, `m${(g + 7) % 20}`, OUTCOMES[g % 4]!);
  return builder.build();
}

describe('fitBradleyTerry', () => {
  it('stops once the gradient is down to rounding noise, at the same optimum from any start', () => {
    const counts = separated();
    const cold = fitBradleyTerry(counts);
    const warm = fitBradleyTerry(counts, { start: Float64Array.from(counts.models, (_, i) => (i % 5) - 2) });
    // Both ran out their 200 iterations before: noise in the gradient made steps of ~1e-7 along the
    // directions only the ridge holds.
    expect(cold.iterations).toBeLessThan(60);
    expect(warm.iterations).toBeLessThan(60);
    const centred = (s: Float64Array) => {
      const mean = s.reduce((a, b) => a + b, 0) / s.length;
      return Array.from(s, (x) => SCALE * (x - mean));
    };
    const [a, b] = [centred(cold.strengths), centred(warm.strengths)];
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-3);
    // Some models did win (or lose) everything: their ratings are thousands of points out.
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(2_000);
  });
});
