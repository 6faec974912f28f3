import { describe, expect, it } from 'vitest';
import { samplePair } from './pair-sampler.js';

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
