import {
  bootstrapRatings,
  fitBradleyTerry,
  INIT_RATING,
  quantile,
  sandwichStandardErrors,
  SCALE,
  toRatings,
} from './bradley-terry.js';
import { components, type PairCounts } from './pairwise.js';

export interface LeaderboardOptions {
  /** Bootstrap rounds for the 95% intervals; 0 uses the sandwich estimator instead. */
  bootstrap?: number;
  seed?: number;
  /** Pin one model's rating (e.g. `{ model: 'gpt-4-0314', rating: 1000 }`); otherwise the mean is 1000. */
  anchor?: { model: string; rating: number };
  /** Models with fewer battles are listed as provisional. */
  minBattles?: number;
  /** Warm start (log-strengths by model) from an earlier fit. */
  start?: Map<string, number>;
}

export interface LeaderboardRow {
  rank: number;
  model: string;
  rating: number;
  ciLow: number;
  ciHigh: number;
  /** Half-width of the sandwich 95% interval, always computed. */
  sandwich: number;
  battles: number;
  /** Wins over decided battles (ties excluded); null with no decided battle. */
  winRate: number | null;
  provisional: boolean;
}

export interface Leaderboard {
  battles: number;
  rows: LeaderboardRow[];
  /** Groups of models never compared with each other: ratings across groups are not comparable. */
  components: string[][];
  disconnected: boolean;
  interval: 'bootstrap' | 'sandwich';
  strengths: Map<string, number>;
}

const Z95 = 1.959963984540054;

export function computeLeaderboard(counts: PairCounts, options: LeaderboardOptions = {}): Leaderboard {
  const { n, models, games, cells } = counts;
  const played = new Float64Array(n);
  const decidedWins = new Float64Array(n);
  const decided = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) played[i]! += games[i * n + j]!;
  for (let k = 0; k < cells.a.length; k++) {
    const outcome = cells.outcome[k]!;
    if (outcome === 2) continue;
    const c = cells.count[k]!;
    const a = cells.a[k]!;
    const b = cells.b[k]!;
    decided[a]! += c;
    decided[b]! += c;
    decidedWins[outcome === 0 ? a : b]! += c;
  }
  const active = models.map((_, i) => i).filter((i) => played[i]! > 0);
  const anchorIndex = options.anchor ? models.indexOf(options.anchor.model) : -1;
  if (options.anchor && anchorIndex === -1) throw new Error(`anchor model ${options.anchor.model} has no battles`);
  const anchor = anchorIndex >= 0 ? { index: anchorIndex, rating: options.anchor!.rating } : undefined;

  const start = options.start ? Float64Array.from(models, (m) => options.start!.get(m) ?? 0) : undefined;
  const { strengths } = fitBradleyTerry(counts, start ? { start } : {});
  // Without an anchor the mean over models that have played is 1000, so an idle model changes nothing.
  let ratings: Float64Array;
  if (anchor) {
    ratings = toRatings(strengths, anchor);
  } else {
    let mean = 0;
    for (const i of active) mean += strengths[i]!;
    mean /= Math.max(1, active.length);
    ratings = strengths.map((s) => INIT_RATING + SCALE * (s - mean));
  }
  const errors = sandwichStandardErrors(counts, strengths);

  const rounds = options.bootstrap ?? 0;
  let low: Float64Array;
  let high: Float64Array;
  if (rounds > 0) {
    const { samples } = bootstrapRatings(counts, strengths, rounds, options.seed ?? 42, anchor);
    low = new Float64Array(n);
    high = new Float64Array(n);
    const column = new Float64Array(rounds);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < rounds; r++) {
        let mean = 0;
        if (!anchor) {
          for (const j of active) mean += samples[r * n + j]!;
          mean = mean / Math.max(1, active.length) - INIT_RATING;
        }
        column[r] = samples[r * n + i]! - mean;
      }
      column.sort();
      low[i] = quantile(column, 0.025);
      high[i] = quantile(column, 0.975);
    }
  } else {
    low = ratings.map((r, i) => r - Z95 * SCALE * errors[i]!);
    high = ratings.map((r, i) => r + Z95 * SCALE * errors[i]!);
  }

  const rows: LeaderboardRow[] = active.map((i) => ({
    rank: 0,
    model: models[i]!,
    rating: ratings[i]!,
    ciLow: low[i]!,
    ciHigh: high[i]!,
    sandwich: Z95 * SCALE * errors[i]!,
    battles: played[i]!,
    winRate: decided[i]! > 0 ? decidedWins[i]! / decided[i]! : null,
    provisional: played[i]! < (options.minBattles ?? 0),
  }));
  // Rank (UB): 1 + the number of models whose lower bound is above this model's upper bound.
  for (const row of rows) row.rank = 1 + rows.filter((other) => other.ciLow > row.ciHigh).length;
  rows.sort((x, y) => x.rank - y.rank || y.rating - x.rating || x.model.localeCompare(y.model));

  const parts = components(counts)
    .map((part) => part.filter((i) => played[i]! > 0).map((i) => models[i]!))
    .filter((part) => part.length > 0);
  return {
    battles: counts.battles,
    rows,
    components: parts,
    disconnected: parts.length > 1,
    interval: rounds > 0 ? 'bootstrap' : 'sandwich',
    strengths: new Map(models.map((m, i) => [m, strengths[i]!])),
  };
}

/** Pairwise win rate with ties left out (row beat column), NaN where no decided battle. */
export function winRateMatrix(counts: PairCounts): number[][] {
  const { n, cells } = counts;
  const won = new Float64Array(n * n);
  for (let k = 0; k < cells.a.length; k++) {
    const outcome = cells.outcome[k]!;
    if (outcome === 2) continue;
    const a = cells.a[k]!;
    const b = cells.b[k]!;
    if (outcome === 0) won[a * n + b]! += cells.count[k]!;
    else won[b * n + a]! += cells.count[k]!;
  }
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      const total = won[i * n + j]! + won[j * n + i]!;
      return i === j || total === 0 ? NaN : won[i * n + j]! / total;
    }),
  );
}

export function battleCountMatrix(counts: PairCounts): number[][] {
  const { n, games } = counts;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => games[i * n + j]!));
}

/** The win rate the ratings predict for a over b. */
export function expectedWinRate(ratingA: number, ratingB: number): number {
  return 1 / (1 + Math.pow(10, (ratingB - ratingA) / 400));
}
