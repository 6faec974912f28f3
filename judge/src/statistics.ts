import type { AgreementIntervals, BoardComparison, Interval } from '@arena/contracts';
import { aggregate, computeLeaderboard, quantile, seededRandom, type Outcome } from '@arena/ranking';
import { agreement, toThreeClass } from './metrics.js';
import type { Verdict } from './verdict.js';

/**
 * 95% percentile intervals of the agreement metrics: the (human, judge) pairs resampled with replacement
 * `rounds` times, reproducible from `seed`.
 */
export function bootstrapAgreement(
  pairs: readonly { human: Verdict; judge: Verdict }[],
  rounds = 1_000,
  seed = 42,
): AgreementIntervals {
  const random = seededRandom(seed);
  const n = pairs.length;
  const samples = {
    acc: new Float64Array(rounds),
    kappa: new Float64Array(rounds),
    f1: new Float64Array(rounds),
    acc3: new Float64Array(rounds),
  };
  const human: string[] = new Array<string>(n);
  const judge: string[] = new Array<string>(n);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const pick = pairs[Math.floor(random() * n)]!;
      human[i] = pick.human;
      judge[i] = pick.judge;
    }
    const four = agreement(human, judge);
    samples.acc[r] = four.accuracy;
    samples.kappa[r] = four.kappa;
    samples.f1[r] = four.macroF1;
    samples.acc3[r] = agreement(human.map(toThreeClass), judge.map(toThreeClass)).accuracy;
  }
  const interval = (values: Float64Array): Interval => {
    const finite = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
    return finite.length ? { low: quantile(finite, 0.025), high: quantile(finite, 0.975) } : { low: NaN, high: NaN };
  };
  return {
    rounds,
    fourClassAccuracy: interval(samples.acc),
    fourClassKappa: interval(samples.kappa),
    fourClassMacroF1: interval(samples.f1),
    threeClassAccuracy: interval(samples.acc3),
  };
}

/** Average ranks (1 = largest), ties sharing the mean of their positions. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ (Pearson on average ranks, as SciPy's `spearmanr`). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error('spearman: lengths differ');
  return pearson(ranks(x), ranks(y));
}

/** Kendall's τ-b (ties accounted for, as SciPy's `kendalltau`). */
export function kendallTau(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error('kendallTau: lengths differ');
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

const OUTCOME: Record<Verdict, Outcome> = { A: 'model_a', B: 'model_b', tie: 'tie', both_bad: 'tie (bothbad)' };

/**
 * The leaderboard a judge's verdicts imply against the one human votes imply (Bradley-Terry on each set of
 * battles), compared by rank correlation over the models both rate.
 */
export function compareBoards(
  human: readonly { modelA: string; modelB: string; verdict: Verdict }[],
  judge: readonly { modelA: string; modelB: string; verdict: Verdict }[],
): BoardComparison {
  const fit = (rows: typeof human): Map<string, number> => {
    if (rows.length === 0) return new Map();
    const board = computeLeaderboard(
      aggregate(rows.map((r) => ({ model_a: r.modelA, model_b: r.modelB, winner: OUTCOME[r.verdict] }))),
      { bootstrap: 0 },
    );
    return new Map(board.rows.map((r) => [r.model, r.rating]));
  };
  const h = fit(human);
  const j = fit(judge);
  const models = [...h.keys()]
    .filter((m) => j.has(m))
    .sort()
    .map((model) => ({ model, human: h.get(model)!, judge: j.get(model)! }));
  return {
    models,
    spearman:
      models.length >= 2
        ? spearman(
            models.map((m) => m.human),
            models.map((m) => m.judge),
          )
        : NaN,
    kendall:
      models.length >= 2
        ? kendallTau(
            models.map((m) => m.human),
            models.map((m) => m.judge),
          )
        : NaN,
  };
}

export type { AgreementIntervals, BoardComparison, Interval };
