import { dampedNewton, logSigmoid, sandwichDiagonal, sigmoid, solve } from './newton.js';
import type { Outcome } from './pairwise.js';
import { multinomial, seededRandom } from './random.js';

/**
 * Style control as FastChat computes it (`compute_style_control` in fastchat/serve/monitor/rating_systems.py):
 * a contextual Bradley-Terry model with one coefficient per style feature next to the model ratings,
 * P(a beats b) = σ(ln10·(r_a − r_b) + f·β), fitted per battle with an L2 penalty of 0.5 on every parameter
 * (loss + ¼·Σθ²); ratings are 400·r + 1000.
 */
export const STYLE_FEATURES = ['tokens', 'headers', 'lists', 'bold'] as const;
export type StyleFeature = (typeof STYLE_FEATURES)[number];
export type StyleCoefficients = Record<StyleFeature, number>;
const K = STYLE_FEATURES.length;

/** FastChat's `conv_metadata` keys, in the order of STYLE_FEATURES, side A then side B. */
export const CONV_METADATA_KEYS = [
  'sum_assistant_a_tokens',
  'header_count_a',
  'list_count_a',
  'bold_count_a',
  'sum_assistant_b_tokens',
  'header_count_b',
  'list_count_b',
  'bold_count_b',
] as const;

/** FastChat's parameters: logit scale ln 10, L2 weight 0.5 (gradient 0.5·θ, loss ¼·Σθ²). */
export const STYLE_ALPHA = Math.LN10;
export const STYLE_REG = 0.5;
export const STYLE_SCALE = 400;

/** Battles with the eight raw style counts of each (A's four, then B's four). */
export interface StyleBattles {
  models: string[];
  length: number;
  a: Int32Array;
  b: Int32Array;
  /** 1 when A won, 0 when B won, 0.5 for either kind of tie. */
  outcome: Float64Array;
  /** length × 8 counts, row-major, in CONV_METADATA_KEYS order. */
  counts: Float64Array;
}

export class StyleBattlesBuilder {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private size = 0;
  private a = new Int32Array(1024);
  private b = new Int32Array(1024);
  private outcome = new Float64Array(1024);
  private counts = new Float64Array(1024 * 8);

  model(name: string): number {
    let id = this.index.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.index.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  /** A battle; `counts` holds the eight conv_metadata numbers in CONV_METADATA_KEYS order. */
  add(modelA: string, modelB: string, winner: Outcome, counts: ArrayLike<number>): void {
    this.addIndexed(this.model(modelA), this.model(modelB), winner, counts);
  }

  addIndexed(modelA: number, modelB: number, winner: Outcome, counts: ArrayLike<number>): void {
    if (this.size === this.a.length) this.grow();
    const k = this.size++;
    this.a[k] = modelA;
    this.b[k] = modelB;
    this.outcome[k] = winner === 'model_a' ? 1 : winner === 'model_b' ? 0 : 0.5;
    for (let j = 0; j < 8; j++) this.counts[k * 8 + j] = counts[j]!;
  }

  private grow(): void {
    const size = this.a.length * 2;
    const grown = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(size * per);
      next.set(old);
      return next;
    };
    this.a = grown(this.a, (n) => new Int32Array(n));
    this.b = grown(this.b, (n) => new Int32Array(n));
    this.outcome = grown(this.outcome, (n) => new Float64Array(n));
    this.counts = grown(this.counts, (n) => new Float64Array(n), 8);
  }

  build(): StyleBattles {
    const n = this.size;
    return {
      models: [...this.names],
      length: n,
      a: this.a.slice(0, n),
      b: this.b.slice(0, n),
      outcome: this.outcome.slice(0, n),
      counts: this.counts.slice(0, n * 8),
    };
  }
}

/**
 * FastChat's `preprocess_for_style`: per feature (a − b) / (a + b + 1), then standardised over the battles
 * (mean 0, population standard deviation 1). A feature that never varies is left at 0 (FastChat would divide
 * by zero); its coefficient is then 0.
 */
export function styleFeatures(battles: StyleBattles): Float64Array {
  const { length, counts } = battles;
  const out = new Float64Array(length * K);
  for (let f = 0; f < K; f++) {
    let sum = 0;
    for (let k = 0; k < length; k++) {
      const x = counts[k * 8 + f]!;
      const y = counts[k * 8 + K + f]!;
      const d = (x - y) / (x + y + 1);
      out[k * K + f] = d;
      sum += d;
    }
    const mean = sum / Math.max(1, length);
    let squares = 0;
    for (let k = 0; k < length; k++) {
      const d = out[k * K + f]! - mean;
      squares += d * d;
    }
    const std = Math.sqrt(squares / Math.max(1, length));
    for (let k = 0; k < length; k++) out[k * K + f] = std > 0 ? (out[k * K + f]! - mean) / std : 0;
  }
  return out;
}

/** The fitting problem: battles, their standardised features and optional per-battle weights (resamples). */
interface Problem {
  n: number;
  battles: StyleBattles;
  features: Float64Array;
  weights?: Float64Array;
}

function logit(p: Problem, theta: Float64Array, k: number): number {
  const { features, battles, n } = p;
  let z = STYLE_ALPHA * (theta[battles.a[k]!]! - theta[battles.b[k]!]!);
  for (let f = 0; f < K; f++) z += features[k * K + f]! * theta[n + f]!;
  return z;
}

function penalty(theta: Float64Array): number {
  let s = 0;
  for (const t of theta) s += t * t;
  return 0.5 * STYLE_REG * s;
}

function lossOf(p: Problem, theta: Float64Array): number {
  const { battles, weights } = p;
  let total = penalty(theta);
  for (let k = 0; k < battles.length; k++) {
    const w = weights ? weights[k]! : 1;
    if (w === 0) continue;
    const z = logit(p, theta, k);
    const y = battles.outcome[k]!;
    total -= w * (y * logSigmoid(z) + (1 - y) * logSigmoid(-z));
  }
  return total;
}

function gradientOf(p: Problem, theta: Float64Array): Float64Array {
  const { battles, weights, features, n } = p;
  const g = new Float64Array(n + K);
  for (let i = 0; i < n + K; i++) g[i] = STYLE_REG * theta[i]!;
  const { a, b, outcome } = battles;
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  const b0 = theta[n]!;
  const b1 = theta[n + 1]!;
  const b2 = theta[n + 2]!;
  const b3 = theta[n + 3]!;
  for (let k = 0; k < battles.length; k++) {
    const w = weights ? weights[k]! : 1;
    if (w === 0) continue;
    const o = k * 4;
    const f0 = features[o]!;
    const f1 = features[o + 1]!;
    const f2 = features[o + 2]!;
    const f3 = features[o + 3]!;
    const ai = a[k]!;
    const bi = b[k]!;
    const z = STYLE_ALPHA * (theta[ai]! - theta[bi]!) + f0 * b0 + f1 * b1 + f2 * b2 + f3 * b3;
    const e = w * (sigmoid(z) - outcome[k]!);
    g[ai]! += STYLE_ALPHA * e;
    g[bi]! -= STYLE_ALPHA * e;
    g0 += e * f0;
    g1 += e * f1;
    g2 += e * f2;
    g3 += e * f3;
  }
  g[n]! += g0;
  g[n + 1]! += g1;
  g[n + 2]! += g2;
  g[n + 3]! += g3;
  return g;
}

/**
 * Σ_k c_k x_k x_kᵀ over battles, x_k = (ln10·(e_a − e_b), f_k), with c_k from `weightOf(k, p_k)`: the
 * Hessian with c = w·p(1−p), the sandwich's meat with c = w·(y − p)².
 */
function outerSum(p: Problem, theta: Float64Array, weightOf: (k: number, prob: number) => number): Float64Array {
  const { battles, features, n } = p;
  const d = n + K;
  const out = new Float64Array(d * d);
  const pair = new Float64Array(n * n);
  const cross = new Float64Array(n * K);
  const ff = new Float64Array(K * K);
  for (let k = 0; k < battles.length; k++) {
    const c = weightOf(k, sigmoid(logit(p, theta, k)));
    if (c === 0) continue;
    const ai = battles.a[k]!;
    const bi = battles.b[k]!;
    pair[ai * n + bi]! += c;
    for (let f = 0; f < K; f++) {
      const cf = c * features[k * K + f]!;
      cross[ai * K + f]! += cf;
      cross[bi * K + f]! -= cf;
      for (let g = f; g < K; g++) ff[f * K + g]! += cf * features[k * K + g]!;
    }
  }
  const a2 = STYLE_ALPHA * STYLE_ALPHA;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = pair[i * n + j]!;
      if (c === 0) continue;
      out[i * d + i]! += a2 * c;
      out[j * d + j]! += a2 * c;
      out[i * d + j]! -= a2 * c;
      out[j * d + i]! -= a2 * c;
    }
    for (let f = 0; f < K; f++) {
      const c = STYLE_ALPHA * cross[i * K + f]!;
      out[i * d + n + f]! += c;
      out[(n + f) * d + i]! += c;
    }
  }
  for (let f = 0; f < K; f++) {
    for (let g = f; g < K; g++) {
      out[(n + f) * d + n + g]! += ff[f * K + g]!;
      if (g !== f) out[(n + g) * d + n + f]! += ff[f * K + g]!;
    }
  }
  return out;
}

function hessianOf(p: Problem, theta: Float64Array): Float64Array {
  const w = p.weights;
  const h = outerSum(p, theta, (k, prob) => (w ? w[k]! : 1) * prob * (1 - prob));
  const d = p.n + K;
  for (let i = 0; i < d; i++) h[i * d + i]! += STYLE_REG;
  return h;
}

function objective(p: Problem) {
  return {
    dimension: p.n + K,
    loss: (theta: Float64Array) => lossOf(p, theta),
    derivatives: (theta: Float64Array) => ({ gradient: gradientOf(p, theta), hessian: hessianOf(p, theta) }),
  };
}

export interface StyleFit {
  /** Log-strengths in FastChat's units (logit = ln10·(r_a − r_b)), by model index. */
  strengths: Float64Array;
  coefficients: StyleCoefficients;
  /** All parameters: the n strengths, then the four coefficients. */
  theta: Float64Array;
  features: Float64Array;
  iterations: number;
}

function coefficientsOf(theta: Float64Array, n: number): StyleCoefficients {
  return { tokens: theta[n]!, headers: theta[n + 1]!, lists: theta[n + 2]!, bold: theta[n + 3]! };
}

/** The penalised maximum-likelihood fit (Newton's method: the exact optimum FastChat's L-BFGS-B approaches). */
export function fitStyleControl(battles: StyleBattles, features = styleFeatures(battles)): StyleFit {
  const n = battles.models.length;
  const { x, iterations } = dampedNewton(objective({ n, battles, features }), { tolerance: 1e-11 });
  return { strengths: x.slice(0, n), coefficients: coefficientsOf(x, n), theta: x, features, iterations };
}

/** 400·r + 1000, FastChat's `scale_and_offset` without its hard-wired baseline model. */
export function styleRatings(strengths: Float64Array): Float64Array {
  return strengths.map((r) => STYLE_SCALE * r + 1000);
}

/**
 * Sandwich (robust) standard errors of all parameters: H⁻¹ B H⁻¹ with H the penalised Hessian and B the sum
 * of per-battle score outer products, at the fit.
 */
export function styleSandwichErrors(battles: StyleBattles, fit: StyleFit): Float64Array {
  const p: Problem = { n: battles.models.length, battles, features: fit.features };
  const meat = outerSum(p, fit.theta, (k, prob) => {
    const r = battles.outcome[k]! - prob;
    return r * r;
  });
  return sandwichDiagonal(hessianOf(p, fit.theta), meat, p.n + K).map(Math.sqrt);
}

export interface StyleBootstrap {
  rounds: number;
  /** rounds × (n + 4): each round's strengths then coefficients. */
  samples: Float64Array;
}

/**
 * FastChat's `compute_bootstrap_style_control`: each round refits on the battles resampled with replacement
 * (as many as there are; the features keep their full-data standardisation). A resample's multiplicities
 * are one multinomial draw over the battles, the same distribution as FastChat's `randint` indices. Each
 * refit starts at the full-data optimum and takes Newton steps with the resample's own Hessian until no
 * parameter moves by more than 1e-10 (about 4e-8 rating points).
 */
export function bootstrapStyleControl(
  battles: StyleBattles,
  fit: StyleFit,
  rounds: number,
  seed: number,
): StyleBootstrap {
  const n = battles.models.length;
  const d = n + K;
  const random = seededRandom(seed);
  const samples = new Float64Array(rounds * d);
  const equal = new Float64Array(battles.length).fill(1);
  for (let round = 0; round < rounds; round++) {
    const weights = multinomial(battles.length, equal, random);
    const p: Problem = { n, battles, features: fit.features, weights };
    const theta = new Float64Array(fit.theta);
    let converged = false;
    for (let iteration = 0; iteration < 20 && !converged; iteration++) {
      const step = solve(hessianOf(p, theta), gradientOf(p, theta), d);
      let largest = 0;
      for (let i = 0; i < d; i++) {
        theta[i]! -= step[i]!;
        largest = Math.max(largest, Math.abs(step[i]!));
      }
      if (!Number.isFinite(largest)) break;
      converged = largest < 1e-10;
    }
    const refit = converged ? theta : dampedNewton(objective(p), { start: fit.theta, tolerance: 1e-11 }).x;
    samples.set(refit, round * d);
  }
  return { rounds, samples };
}
