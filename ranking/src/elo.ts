import type { BattleRow } from './pairwise.js';

/**
 * Online Elo in the order given (FastChat's `compute_elo`): order-dependent, shown for comparison only. `from`:
 * the ratings after earlier rows (not changed), to go on from them: onlineElo(later, { from: onlineElo(earlier) })
 * equals onlineElo of earlier then later.
 */
export function onlineElo(
  rows: Iterable<BattleRow>,
  options: { k?: number; scale?: number; base?: number; initial?: number; from?: ReadonlyMap<string, number> } = {},
): Map<string, number> {
  const k = options.k ?? 4;
  const scale = options.scale ?? 400;
  const base = options.base ?? 10;
  const initial = options.initial ?? 1000;
  const rating = new Map<string, number>(options.from ?? []);
  for (const { model_a, model_b, winner } of rows) {
    const ra = rating.get(model_a) ?? initial;
    const rb = rating.get(model_b) ?? initial;
    const ea = 1 / (1 + Math.pow(base, (rb - ra) / scale));
    const eb = 1 / (1 + Math.pow(base, (ra - rb) / scale));
    const sa = winner === 'model_a' ? 1 : winner === 'model_b' ? 0 : 0.5;
    rating.set(model_a, ra + k * (sa - ea));
    rating.set(model_b, rb + k * (1 - sa - eb));
  }
  return rating;
}
