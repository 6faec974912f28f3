import { describe, expect, it } from 'vitest';
import { binomial, multinomial, seededRandom } from './random.js';

describe('seeded sampling', () => {
  it('is reproducible from a seed and uniform on [0, 1)', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const xs = Array.from({ length: 50_000 }, () => a());
    expect(Array.from({ length: 50_000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 2);
  });

  it.each([
    [20, 0.1],
    [1_000, 0.3],
    [100_000, 0.002],
    [1_000_000, 0.25],
    [500, 0.9],
  ])('draws Binomial(%d, %d) with the right mean and variance', (n, p) => {
    const random = seededRandom(n);
    const draws = Array.from({ length: 20_000 }, () => binomial(n, p, random));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(draws.length));
    expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.94);
    expect(variance / (n * p * (1 - p))).toBeLessThan(1.06);
    expect(draws.every((x) => Number.isInteger(x) && x >= 0 && x <= n)).toBe(true);
  });

  it('draws multinomials that keep the total and follow the weights', () => {
    const random = seededRandom(3);
    const weights = Float64Array.from([5, 0, 1, 4]);
    const totals = new Float64Array(4);
    for (let i = 0; i < 2_000; i++) {
      const draw = multinomial(1_000, weights, random);
      expect(draw.reduce((s, x) => s + x, 0)).toBe(1_000);
      expect(draw[1]).toBe(0);
      draw.forEach((x, k) => (totals[k]! += x));
    }
    expect(totals[0]! / 2_000_000).toBeCloseTo(0.5, 2);
    expect(totals[3]! / 2_000_000).toBeCloseTo(0.4, 2);
  });
});
