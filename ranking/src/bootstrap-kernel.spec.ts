import { describe, expect, it } from 'vitest';
import { bootstrapDrawCounts, kernelExp, kernelExpTable } from './bootstrap-kernel.js';
import { bootstrapContextualThreads } from './bootstrap-threads.js';
import { bootstrapContextual, refitBootstrapRound } from './contextual-bt.js';
import { computeStyleLeaderboard, computeStyleLeaderboardThreaded } from './leaderboard.js';
import { styleBattlesFromText } from './battles-file.js';
import { fitStyleControl } from './style-control.js';
import { syntheticStyledBattles } from './synthetic.js';

function styled(models: number, battles: number, seed: number) {
  const { rows } = syntheticStyledBattles({ models, battles, seed });
  return styleBattlesFromText(rows.map((r) => JSON.stringify(r)).join('\n'), 'jsonl');
}

describe('bootstrap resample draws', () => {
  it('draws as many battles as there are, seeded, each index about equally often', () => {
    const total = 1000;
    const counts = new Int32Array(total);
    const sums = new Float64Array(total);
    for (let round = 0; round < 400; round++) {
      bootstrapDrawCounts(round, total, counts);
      expect(counts.reduce((s, c) => s + c, 0)).toBe(total);
      for (let i = 0; i < total; i++) sums[i]! += counts[i]!;
    }
    const again = new Int32Array(total);
    bootstrapDrawCounts(399, total, again);
    expect(again).toEqual(counts);
    // 400 draws per index on average: a chi-square over 1000 cells stays near its 999 degrees of freedom.
    let chi = 0;
    for (const s of sums) chi += (s - 400) ** 2 / 400;
    expect(chi).toBeGreaterThan(850);
    expect(chi).toBeLessThan(1150);
  });

  it('draws past 2²¹ battles (where x·total no longer fits a double exactly) without losing a draw', () => {
    const total = 2_200_000;
    const counts = new Int32Array(total);
    bootstrapDrawCounts(5, total, counts);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(total);
    expect(counts.filter((c) => c === 0).length / total).toBeCloseTo(Math.exp(-1), 2);
  });
});

describe("the passes' exponential", () => {
  it('is within 1e-15 of Math.exp (relative) from −745 to 710, and Math.exp beyond', () => {
    const table = kernelExpTable();
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      for (const x of [-745 + (1455 * i) / 200_000, -40 + (80 * i) / 200_000]) {
        const exact = Math.exp(x);
        if (exact === 0 || !Number.isFinite(exact)) expect(kernelExp(x, table)).toBe(exact);
        else worst = Math.max(worst, Math.abs(kernelExp(x, table) / exact - 1));
      }
    }
    expect(worst).toBeLessThan(1e-15);
    for (const x of [0, -0, 1e-300, -1e-300, 700, -700, 709.7, -744, Infinity, -Infinity])
      expect(Math.abs(kernelExp(x, table) / Math.exp(x) - 1) || 0).toBeLessThan(1e-15);
    expect(kernelExp(NaN, table)).toBeNaN();
  });
});

describe('bootstrap rounds', () => {
  const data = styled(12, 20_000, 9);
  const fit = fitStyleControl(data);

  it('stop within 0.002 rating points (5e-6) of the fully converged refit of the same resample', () => {
    const { samples, steps } = bootstrapContextual(data, fit, 6, 11);
    expect(steps).toBeGreaterThanOrEqual(6);
    const d = fit.theta.length;
    for (let round = 0; round < 6; round++) {
      const exact = refitBootstrapRound(data, fit, 11, round);
      for (let i = 0; i < d; i++) expect(Math.abs(samples[round * d + i]! - exact[i]!)).toBeLessThan(5e-6);
    }
  });

  it('give the same samples and the same board on worker threads as on one thread', async () => {
    const one = bootstrapContextual(data, fit, 7, 3);
    const two = await bootstrapContextualThreads(data, fit, 7, 3, { threads: 2 });
    const three = await bootstrapContextualThreads(data, fit, 7, 3, { threads: 3 });
    expect(two.samples).toEqual(one.samples);
    expect(three.samples).toEqual(one.samples);
    const board = computeStyleLeaderboard(data, { bootstrap: 20, seed: 8 });
    expect(await computeStyleLeaderboardThreaded(data, { bootstrap: 20, seed: 8, threads: 2 })).toEqual(board);
    // Three boards and thread starts: seconds on a loaded machine.
  }, 60_000);
});
