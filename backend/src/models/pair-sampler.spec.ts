import { seededRandom as seeded } from '@arena/ranking';
import { describe, expect, it } from 'vitest';
import { samplePair } from './pair-sampler.js';

describe('samplePair', () => {
  const models = [
    { id: 'a', weight: 1 },
    { id: 'b', weight: 1 },
    { id: 'c', weight: 2 },
  ];

  it('always draws two distinct models', () => {
    const random = seeded(1);
    for (let i = 0; i < 1000; i++) {
      const [x, y] = samplePair(models, random);
      expect(x).not.toBe(y);
    }
  });

  it('draws models in proportion to their weight and puts each on side A about half the time', () => {
    const random = seeded(42);
    const appearances = new Map<string, number>();
    const onA = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const [a, b] = samplePair(models, random);
      for (const m of [a, b]) appearances.set(m.id, (appearances.get(m.id) ?? 0) + 1);
      onA.set(a.id, (onA.get(a.id) ?? 0) + 1);
    }
    // c (weight 2) appears in every pair but those that draw a then b or b then a: P = 1 - 2·(1/4·1/3) = 5/6.
    expect(appearances.get('c')! / n).toBeCloseTo(5 / 6, 1);
    expect(appearances.get('a')! / n).toBeCloseTo(7 / 12, 1);
    for (const id of ['a', 'b', 'c']) expect(onA.get(id)! / appearances.get(id)!).toBeCloseTo(0.5, 1);
  });

  it('refuses fewer than two models', () => {
    expect(() => samplePair([{ weight: 1 }])).toThrow(/two models/);
  });
});
