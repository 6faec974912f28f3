import { describe, expect, it } from 'vitest';
import { meanPassAtK, passAtK } from './pass-at-k.js';

/** C(n, k) exactly, with BigInt: the definition the product form must agree with. */
function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let out = 1n;
  for (let i = 1; i <= k; i++) out = (out * BigInt(n - k + i)) / BigInt(i);
  return out;
}

/** 1 − C(n−c, k)/C(n, k) from exact integers, the ratio taken to 30 digits before it becomes a float. */
function exact(n: number, c: number, k: number): number {
  const scale = 10n ** 30n;
  const miss = (binomial(n - c, k) * scale) / binomial(n, k);
  return 1 - Number(miss) / Number(scale);
}

describe('pass@k (Chen et al. 2021)', () => {
  it('equals 1 − C(n−c, k)/C(n, k) computed exactly, for every c and k up to n = 40', () => {
    for (const n of [1, 2, 5, 10, 20, 40])
      for (let c = 0; c <= n; c++)
        for (const k of [1, 2, 5, 10, 20, 40].filter((k) => k <= n))
          expect(passAtK(n, c, k), `n=${n} c=${c} k=${k}`).toBeCloseTo(exact(n, c, k), 12);
  });

  it('stays exact where the binomials overflow a double (n = 200)', () => {
    for (const [c, k] of [
      [1, 1],
      [3, 100],
      [17, 50],
      [100, 150],
    ] as const)
      expect(passAtK(200, c, k)).toBeCloseTo(exact(200, c, k), 12);
  });

  it('is c/n for k = 1, 0 with no pass, 1 when fewer than k samples fail', () => {
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 15);
    expect(passAtK(10, 0, 5)).toBe(0);
    expect(passAtK(10, 6, 5)).toBe(1);
  });

  it('averages over tasks', () => {
    expect(
      meanPassAtK(
        [
          { n: 4, c: 1 },
          { n: 4, c: 4 },
        ],
        2,
      ),
    ).toBeCloseTo((0.5 + 1) / 2, 15);
  });

  it('refuses k above the samples and counts that cannot be', () => {
    expect(() => passAtK(5, 1, 10)).toThrow(/at least 10 samples/);
    expect(() => passAtK(5, 6, 1)).toThrow(RangeError);
    expect(() => passAtK(5, 1.5, 1)).toThrow(RangeError);
  });
});
