import {
  bootstrapRatings,
  fitBradleyTerry,
  INIT_RATING,
  quantile,
  sandwichStandardErrors,
  SCALE,
  toRatings,
} from './bradley-terry.js';
import { battlesPlayed, components, PairCountsBuilder, type PairCounts } from './pairwise.js';
import { bootstrapContextualThreads } from './bootstrap-threads.js';
import {
  bootstrapContextual,
  contextualSandwichErrors,
  fitContextual,
  type ContextBattles,
  type ContextFit,
} from './contextual-bt.js';
import {
  STYLE_FEATURES,
  STYLE_SCALE,
  styleFeatures,
  styleRatings,
  type StyleBattles,
  type StyleCoefficients,
  type StyleFeature,
} from './style-control.js';

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

/** Battles played, and wins over decided battles, per model. */
function tallies(counts: PairCounts): { played: Float64Array; decided: Float64Array; decidedWins: Float64Array } {
  const { n, cells } = counts;
  const played = battlesPlayed(counts);
  const decidedWins = new Float64Array(n);
  const decided = new Float64Array(n);
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
  return { played, decided, decidedWins };
}

function anchorOf(
  models: string[],
  anchor: LeaderboardOptions['anchor'],
): { index: number; rating: number } | undefined {
  if (!anchor) return undefined;
  const index = models.indexOf(anchor.model);
  if (index === -1) throw new Error(`anchor model ${anchor.model} has no battles`);
  return { index, rating: anchor.rating };
}

/** Per-model 2.5% and 97.5% quantiles of rounds × n bootstrap ratings (row-major), each round first shifted. */
function bootstrapBounds(
  samples: Float64Array,
  rounds: number,
  n: number,
  shift: (round: number) => number,
): { low: Float64Array; high: Float64Array } {
  const low = new Float64Array(n);
  const high = new Float64Array(n);
  const column = new Float64Array(rounds);
  const shifts = Float64Array.from({ length: rounds }, (_, r) => shift(r));
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rounds; r++) column[r] = samples[r * n + i]! - shifts[r]!;
    column.sort();
    low[i] = quantile(column, 0.025);
    high[i] = quantile(column, 0.975);
  }
  return { low, high };
}

/** Rows, Rank (UB) and components from ratings and intervals: the part every Bradley-Terry board shares. */
function assemble(
  counts: PairCounts,
  fit: { ratings: Float64Array; low: Float64Array; high: Float64Array; sandwich: Float64Array },
  options: LeaderboardOptions,
): Pick<Leaderboard, 'battles' | 'rows' | 'components' | 'disconnected'> {
  const { models } = counts;
  const { played, decided, decidedWins } = tallies(counts);
  const active = models.map((_, i) => i).filter((i) => played[i]! > 0);
  const rows: LeaderboardRow[] = active.map((i) => ({
    rank: 0,
    model: models[i]!,
    rating: fit.ratings[i]!,
    ciLow: fit.low[i]!,
    ciHigh: fit.high[i]!,
    sandwich: fit.sandwich[i]!,
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
  return { battles: counts.battles, rows, components: parts, disconnected: parts.length > 1 };
}

export function computeLeaderboard(counts: PairCounts, options: LeaderboardOptions = {}): Leaderboard {
  const { n, models } = counts;
  const { played } = tallies(counts);
  const active = models.map((_, i) => i).filter((i) => played[i]! > 0);
  const anchor = anchorOf(models, options.anchor);

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
  const sandwich = errors.map((e) => Z95 * SCALE * e);

  const rounds = options.bootstrap ?? 0;
  let bounds: { low: Float64Array; high: Float64Array };
  if (rounds > 0) {
    const { samples } = bootstrapRatings(counts, strengths, rounds, options.seed ?? 42, anchor);
    bounds = bootstrapBounds(samples, rounds, n, (r) => {
      if (anchor) return 0;
      let mean = 0;
      for (const j of active) mean += samples[r * n + j]!;
      return mean / Math.max(1, active.length) - INIT_RATING;
    });
  } else {
    bounds = { low: ratings.map((r, i) => r - sandwich[i]!), high: ratings.map((r, i) => r + sandwich[i]!) };
  }
  return {
    ...assemble(counts, { ratings, ...bounds, sandwich }, options),
    interval: rounds > 0 ? 'bootstrap' : 'sandwich',
    strengths: new Map(models.map((m, i) => [m, strengths[i]!])),
  };
}

export interface ContextLeaderboard extends Leaderboard {
  /** The contextual model's coefficients by feature name (logit per unit of each feature). */
  coefficients: Record<string, number>;
  /** 95% intervals of the coefficients, by the same method as the ratings'. */
  coefficientIntervals: Record<string, { low: number; high: number }>;
}

export interface StyleLeaderboard extends ContextLeaderboard {
  /** FastChat's style coefficients (logit per standard deviation of each normalised difference). */
  styleCoefficients: StyleCoefficients;
  /** 95% intervals of the coefficients, by the same method as the ratings'. */
  styleIntervals: Record<StyleFeature, { low: number; high: number }>;
}

/**
 * A board of the contextual Bradley-Terry model (`fitContextual`) on any per-battle features: ratings
 * (400·r + 1000, or shifted so the anchor has its rating) and one coefficient per feature, with bootstrap
 * intervals over resampled battles (FastChat's `compute_bootstrap_style_control`) or sandwich intervals; win
 * rates and battle counts as the plain board.
 */
export function computeContextualLeaderboard(
  battles: ContextBattles,
  features: Float64Array,
  names: readonly string[],
  options: LeaderboardOptions = {},
): ContextLeaderboard {
  const fit = fitContextual(battles, features, names.length);
  const rounds = options.bootstrap ?? 0;
  const samples = rounds > 0 ? bootstrapContextual(battles, fit, rounds, options.seed ?? 42).samples : undefined;
  return contextualBoard(battles, fit, names, options, samples);
}

/**
 * `computeContextualLeaderboard` with the bootstrap rounds split over worker threads (the same board: a
 * round's resample depends only on the seed and its number).
 */
export async function computeContextualLeaderboardThreaded(
  battles: ContextBattles,
  features: Float64Array,
  names: readonly string[],
  options: LeaderboardOptions & { threads?: number } = {},
): Promise<ContextLeaderboard> {
  const fit = fitContextual(battles, features, names.length);
  const rounds = options.bootstrap ?? 0;
  const samples =
    rounds > 0
      ? (await bootstrapContextualThreads(battles, fit, rounds, options.seed ?? 42, { threads: options.threads }))
          .samples
      : undefined;
  return contextualBoard(battles, fit, names, options, samples);
}

function contextualBoard(
  battles: ContextBattles,
  fit: ContextFit,
  names: readonly string[],
  options: LeaderboardOptions,
  samples: Float64Array | undefined,
): ContextLeaderboard {
  const { models } = battles;
  const n = models.length;
  const k = names.length;
  const d = n + k;
  const pairs = new PairCountsBuilder();
  for (const m of models) pairs.model(m);
  for (let i = 0; i < battles.length; i++) {
    const o = battles.outcome[i]!;
    pairs.addIndexed(battles.a[i]!, battles.b[i]!, o === 1 ? 'model_a' : o === 0 ? 'model_b' : 'tie');
  }
  const counts = pairs.build();
  const anchor = anchorOf(models, options.anchor);
  const shiftOf = (strengths: Float64Array): number =>
    anchor ? anchor.rating - (STYLE_SCALE * strengths[anchor.index]! + INIT_RATING) : 0;

  const offset = shiftOf(fit.strengths);
  const ratings = styleRatings(fit.strengths).map((r) => r + offset);
  const errors = contextualSandwichErrors(battles, fit);
  const sandwich = Float64Array.from({ length: n }, (_, i) => Z95 * STYLE_SCALE * errors[i]!);

  const rounds = samples ? samples.length / d : 0;
  let bounds: { low: Float64Array; high: Float64Array };
  let coefficientBounds: { low: Float64Array; high: Float64Array };
  if (samples) {
    const ratingSamples = new Float64Array(rounds * n);
    const coefficientSamples = new Float64Array(rounds * k);
    for (let r = 0; r < rounds; r++) {
      const round = samples.subarray(r * d, (r + 1) * d);
      ratingSamples.set(styleRatings(round.subarray(0, n)), r * n);
      coefficientSamples.set(round.subarray(n), r * k);
    }
    bounds = bootstrapBounds(ratingSamples, rounds, n, (r) => -shiftOf(samples.subarray(r * d, r * d + n)));
    coefficientBounds = bootstrapBounds(coefficientSamples, rounds, k, () => 0);
  } else {
    bounds = { low: ratings.map((r, i) => r - sandwich[i]!), high: ratings.map((r, i) => r + sandwich[i]!) };
    coefficientBounds = {
      low: fit.beta.map((t, f) => t - Z95 * errors[n + f]!),
      high: fit.beta.map((t, f) => t + Z95 * errors[n + f]!),
    };
  }
  return {
    ...assemble(counts, { ratings, ...bounds, sandwich }, options),
    interval: samples ? 'bootstrap' : 'sandwich',
    strengths: new Map(models.map((m, i) => [m, fit.strengths[i]!])),
    coefficients: Object.fromEntries(names.map((f, i) => [f, fit.beta[i]!])),
    coefficientIntervals: Object.fromEntries(
      names.map((f, i) => [f, { low: coefficientBounds.low[i]!, high: coefficientBounds.high[i]! }]),
    ),
  };
}

/**
 * The style-controlled board: FastChat's `compute_style_control` ratings and coefficients (the contextual
 * board on the four standardised style features).
 */
export function computeStyleLeaderboard(battles: StyleBattles, options: LeaderboardOptions = {}): StyleLeaderboard {
  const board = computeContextualLeaderboard(battles, styleFeatures(battles), STYLE_FEATURES, options);
  return {
    ...board,
    styleCoefficients: board.coefficients as StyleCoefficients,
    styleIntervals: board.coefficientIntervals,
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

/** `computeStyleLeaderboard` with the bootstrap rounds split over worker threads (the same board). */
export async function computeStyleLeaderboardThreaded(
  battles: StyleBattles,
  options: LeaderboardOptions & { threads?: number } = {},
): Promise<StyleLeaderboard> {
  const board = await computeContextualLeaderboardThreaded(battles, styleFeatures(battles), STYLE_FEATURES, options);
  return {
    ...board,
    styleCoefficients: board.coefficients as StyleCoefficients,
    styleIntervals: board.coefficientIntervals,
  };
}
