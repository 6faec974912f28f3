import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { onlineElo } from './elo.js';
import { battleCountMatrix, computeLeaderboard, expectedWinRate, winRateMatrix } from './leaderboard.js';
import { aggregate, type BattleRow, type Outcome } from './pairwise.js';
import { syntheticBattles } from './synthetic.js';

const OUTCOMES: Outcome[] = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];
const byModel = (rows: { model: string; rating: number }[]) => new Map(rows.map((r) => [r.model, r.rating]));

const battleArb = fc.array(
  fc.record({
    model_a: fc.constantFrom('m1', 'm2', 'm3', 'm4'),
    model_b: fc.constantFrom('m1', 'm2', 'm3', 'm4'),
    winner: fc.constantFrom(...OUTCOMES),
  }),
  { minLength: 1, maxLength: 80 },
);

describe('computeLeaderboard', () => {
  it('recovers the order of known strengths from many battles, with intervals around the ratings', () => {
    const { rows, truth } = syntheticBattles({ models: 6, battles: 20_000, seed: 3, tieRate: 0 });
    const board = computeLeaderboard(aggregate(rows), { bootstrap: 50, seed: 1 });
    const expected = [...truth.entries()].sort((a, b) => b[1] - a[1]).map(([m]) => m);
    expect([...board.rows].sort((a, b) => b.rating - a.rating).map((r) => r.model)).toEqual(expected);
    const mean = board.rows.reduce((s, r) => s + r.rating, 0) / board.rows.length;
    expect(mean).toBeCloseTo(1000, 6);
    for (const row of board.rows) {
      expect(row.ciLow).toBeLessThan(row.rating);
      expect(row.ciHigh).toBeGreaterThan(row.rating);
      // Bootstrap and sandwich intervals agree in width on plenty of data.
      expect((row.ciHigh - row.ciLow) / 2 / row.sandwich).toBeGreaterThan(0.6);
      expect((row.ciHigh - row.ciLow) / 2 / row.sandwich).toBeLessThan(1.6);
    }
    // True log-odds differences, on the 400/ln10 scale, within the fitted ones' uncertainty.
    const r = byModel(board.rows);
    const [best, worst] = [expected[0]!, expected[expected.length - 1]!];
    const trueGap = ((truth.get(best)! - truth.get(worst)!) * 400) / Math.LN10;
    expect(Math.abs(r.get(best)! - r.get(worst)! - trueGap)).toBeLessThan(30);
  });

  it('reproduces bootstrap intervals exactly from the same seed, and not from another', () => {
    const counts = aggregate(syntheticBattles({ models: 5, battles: 2_000, seed: 9 }).rows);
    const one = computeLeaderboard(counts, { bootstrap: 30, seed: 7 });
    const two = computeLeaderboard(counts, { bootstrap: 30, seed: 7 });
    const other = computeLeaderboard(counts, { bootstrap: 30, seed: 8 });
    expect(two.rows).toEqual(one.rows);
    expect(other.rows.map((r) => r.ciLow)).not.toEqual(one.rows.map((r) => r.ciLow));
  });

  it('ranks by upper bounds: 1 + the number of models whose lower bound is above my upper bound', () => {
    const board = computeLeaderboard(aggregate(syntheticBattles({ models: 10, battles: 5_000, seed: 4 }).rows));
    for (const row of board.rows) {
      expect(row.rank).toBe(1 + board.rows.filter((o) => o.ciLow > row.ciHigh).length);
    }
  });

  it('does not depend on the order of battles', () => {
    fc.assert(
      fc.property(battleArb, fc.integer(), (rows, seed) => {
        const shuffled = [...rows].sort(
          (a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 17 + seed) % 5),
        );
        const a = byModel(computeLeaderboard(aggregate(rows)).rows);
        const b = byModel(computeLeaderboard(aggregate(shuffled)).rows);
        for (const [m, r] of a) expect(b.get(m)).toBeCloseTo(r, 6);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('does not change when model_a and model_b are swapped with the winner flipped', () => {
    const flip: Record<Outcome, Outcome> = {
      model_a: 'model_b',
      model_b: 'model_a',
      tie: 'tie',
      'tie (bothbad)': 'tie (bothbad)',
    };
    fc.assert(
      fc.property(battleArb, (rows) => {
        const swapped = rows.map((r) => ({ model_a: r.model_b, model_b: r.model_a, winner: flip[r.winner] }));
        const a = computeLeaderboard(aggregate(rows));
        const b = computeLeaderboard(aggregate(swapped));
        expect(b.rows.map((r) => r.model)).toEqual(a.rows.map((r) => r.model));
        for (let i = 0; i < a.rows.length; i++) {
          expect(b.rows[i]!.rating).toBeCloseTo(a.rows[i]!.rating, 6);
          expect(b.rows[i]!.winRate).toEqual(a.rows[i]!.winRate);
          expect(b.rows[i]!.battles).toBe(a.rows[i]!.battles);
        }
      }),
      { numRuns: 60, seed: 43 },
    );
  });

  it('does not change when a model with no battles is added', () => {
    fc.assert(
      fc.property(battleArb, (rows) => {
        const a = computeLeaderboard(aggregate(rows), { bootstrap: 5, seed: 1 });
        const b = computeLeaderboard(aggregate(rows, ['idle-model']), { bootstrap: 5, seed: 1 });
        expect(b.rows.map((r) => r.model)).toEqual(a.rows.map((r) => r.model));
        for (let i = 0; i < a.rows.length; i++) {
          expect(b.rows[i]!.rating).toBeCloseTo(a.rows[i]!.rating, 6);
          expect(b.rows[i]!.ciLow).toBeCloseTo(a.rows[i]!.ciLow, 6);
        }
      }),
      { numRuns: 40, seed: 44 },
    );
  });

  it('gives a model that wins every battle the top rank and a finite rating', () => {
    fc.assert(
      fc.property(battleArb, fc.integer({ min: 4, max: 30 }), (rows, wins) => {
        // Everyone else has lost at least once, so the champion is the only unbeaten model.
        for (const m of new Set(rows.flatMap((r) => [r.model_a, r.model_b]))) {
          fc.pre(
            rows.some(
              (r) => (r.model_a === m && r.winner === 'model_b') || (r.model_b === m && r.winner === 'model_a'),
            ),
          );
        }
        const champion: BattleRow[] = Array.from({ length: wins }, (_, i) => ({
          model_a: i % 2 ? 'champ' : (['m1', 'm2', 'm3', 'm4'][i % 4] as string),
          model_b: i % 2 ? (['m1', 'm2', 'm3', 'm4'][i % 4] as string) : 'champ',
          winner: i % 2 ? 'model_a' : 'model_b',
        }));
        const board = computeLeaderboard(aggregate([...rows, ...champion]), { bootstrap: 10, seed: 2 });
        const top = board.rows.find((r) => r.model === 'champ')!;
        expect(top.rank).toBe(1);
        expect(Number.isFinite(top.rating)).toBe(true);
        expect(Number.isFinite(top.ciHigh)).toBe(true);
        expect(board.rows[0]!.model).toBe('champ');
        for (const row of board.rows.slice(1)) expect(row.rating).toBeLessThan(top.rating);
      }),
      { numRuns: 40, seed: 45 },
    );
  });

  it('says when the comparison graph is disconnected, and handles empty input', () => {
    const board = computeLeaderboard(
      aggregate([
        { model_a: 'a', model_b: 'b', winner: 'model_a' },
        { model_a: 'c', model_b: 'd', winner: 'tie' },
      ]),
    );
    expect(board.disconnected).toBe(true);
    expect(board.components.map((c) => [...c].sort())).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    const empty = computeLeaderboard(aggregate([]), { bootstrap: 10 });
    expect(empty).toMatchObject({ battles: 0, rows: [], disconnected: false });
  });

  it('pins a model to an anchor rating', () => {
    const counts = aggregate(syntheticBattles({ models: 4, battles: 3_000, seed: 5 }).rows);
    const free = byModel(computeLeaderboard(counts).rows);
    const pinned = byModel(computeLeaderboard(counts, { anchor: { model: 'model-001', rating: 1200 } }).rows);
    expect(pinned.get('model-001')).toBeCloseTo(1200, 9);
    expect(pinned.get('model-000')! - pinned.get('model-001')!).toBeCloseTo(
      free.get('model-000')! - free.get('model-001')!,
      6,
    );
  });

  it('marks models under the battle threshold as provisional and computes win rates without ties', () => {
    const rows: BattleRow[] = [
      { model_a: 'a', model_b: 'b', winner: 'model_a' },
      { model_a: 'a', model_b: 'b', winner: 'tie' },
      { model_a: 'b', model_b: 'a', winner: 'model_a' },
      { model_a: 'a', model_b: 'c', winner: 'model_a' },
    ];
    const counts = aggregate(rows);
    const board = computeLeaderboard(counts, { minBattles: 3 });
    const a = board.rows.find((r) => r.model === 'a')!;
    expect(a).toMatchObject({ battles: 4, winRate: 2 / 3, provisional: false });
    expect(board.rows.find((r) => r.model === 'c')).toMatchObject({ battles: 1, winRate: 0, provisional: true });
    const wr = winRateMatrix(counts);
    expect(wr[0]![1]).toBe(0.5);
    expect(wr[1]![0]).toBe(0.5);
    expect(wr[0]![2]).toBe(1);
    expect(Number.isNaN(wr[1]![2]!)).toBe(true);
    expect(battleCountMatrix(counts)[0]).toEqual([0, 3, 1]);
    expect(expectedWinRate(1100, 1000)).toBeCloseTo(0.6400649998, 9);
  });
});

describe('onlineElo', () => {
  it('matches a straightforward reference loop bit for bit', () => {
    const { rows } = syntheticBattles({ models: 12, battles: 10_000, seed: 11, tieRate: 0.2 });
    // The reference, written as FastChat's compute_elo reads.
    const ref: Record<string, number> = {};
    for (const b of rows) {
      const ra = ref[b.model_a] ?? 1000;
      const rb = ref[b.model_b] ?? 1000;
      const ea = 1 / (1 + 10 ** ((rb - ra) / 400));
      const eb = 1 / (1 + 10 ** ((ra - rb) / 400));
      const sa = b.winner === 'model_a' ? 1 : b.winner === 'model_b' ? 0 : 0.5;
      ref[b.model_a] = ra + 4 * (sa - ea);
      ref[b.model_b] = rb + 4 * (1 - sa - eb);
    }
    const ours = onlineElo(rows);
    for (const [model, rating] of Object.entries(ref)) expect(Object.is(ours.get(model), rating)).toBe(true);
  });

  it('depends on the order of battles (which is why the leaderboard uses Bradley-Terry)', () => {
    const rows: BattleRow[] = [
      { model_a: 'a', model_b: 'b', winner: 'model_a' },
      { model_a: 'a', model_b: 'b', winner: 'model_b' },
    ];
    expect(onlineElo(rows).get('a')).not.toBe(onlineElo([...rows].reverse()).get('a'));
  });
});
