import {
  bootstrapContextual,
  CONTEXT_ALPHA,
  CONTEXT_REG,
  contextualSandwichErrors,
  fitContextual,
  type ContextBattles,
  type ContextBootstrap,
  type ContextFit,
} from './contextual-bt.js';
import type { Outcome } from './pairwise.js';

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
export const STYLE_ALPHA = CONTEXT_ALPHA;
export const STYLE_REG = CONTEXT_REG;
export const STYLE_SCALE = 400;

/** Battles with the eight raw style counts of each (A's four, then B's four). */
export interface StyleBattles extends ContextBattles {
  /** length × 8 counts, row-major, in CONV_METADATA_KEYS order. */
  counts: Float64Array;
}

export class StyleBattlesBuilder {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private size = 0;
  private a: Int32Array;
  private b: Int32Array;
  private outcome: Float64Array;
  private counts: Float64Array;

  /** @param capacity battles to make room for at once (more still fit; exactly that many build without a copy) */
  constructor(capacity = 1024) {
    const room = Math.max(1, capacity);
    this.a = new Int32Array(room);
    this.b = new Int32Array(room);
    this.outcome = new Float64Array(room);
    this.counts = new Float64Array(room * 8);
  }

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
    this.addScored(modelA, modelB, winner === 'model_a' ? 1 : winner === 'model_b' ? 0 : 0.5, counts);
  }

  /** A battle by model indices with its outcome for A (1, 0, or 0.5 for a tie) and the counts from `offset`. */
  addScored(modelA: number, modelB: number, outcome: number, counts: ArrayLike<number>, offset = 0): void {
    if (this.size === this.a.length) this.grow();
    const k = this.size++;
    this.a[k] = modelA;
    this.b[k] = modelB;
    this.outcome[k] = outcome;
    for (let j = 0; j < 8; j++) this.counts[k * 8 + j] = counts[offset + j]!;
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
    // Full: the arrays themselves (safe to share: the next battle added moves the builder to grown copies);
    // otherwise copies of their filled part.
    const full = n === this.a.length;
    return {
      models: [...this.names],
      length: n,
      a: full ? this.a : this.a.slice(0, n),
      b: full ? this.b : this.b.slice(0, n),
      outcome: full ? this.outcome : this.outcome.slice(0, n),
      counts: full ? this.counts : this.counts.slice(0, n * 8),
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

export interface StyleFit extends ContextFit {
  coefficients: StyleCoefficients;
}

function coefficientsOf(beta: Float64Array): StyleCoefficients {
  return { tokens: beta[0]!, headers: beta[1]!, lists: beta[2]!, bold: beta[3]! };
}

/** The penalised maximum-likelihood fit of the contextual model on the four style features. */
export function fitStyleControl(battles: StyleBattles, features = styleFeatures(battles)): StyleFit {
  const fit = fitContextual(battles, features, K);
  return { ...fit, coefficients: coefficientsOf(fit.beta) };
}

/** 400·r + 1000, FastChat's `scale_and_offset` without its hard-wired baseline model. */
export function styleRatings(strengths: Float64Array): Float64Array {
  return strengths.map((r) => STYLE_SCALE * r + 1000);
}

/** Sandwich standard errors of the strengths then the four coefficients. */
export function styleSandwichErrors(battles: StyleBattles, fit: StyleFit): Float64Array {
  return contextualSandwichErrors(battles, fit);
}

export type StyleBootstrap = ContextBootstrap;

/** FastChat's `compute_bootstrap_style_control` (see `bootstrapContextual`). */
export function bootstrapStyleControl(
  battles: StyleBattles,
  fit: StyleFit,
  rounds: number,
  seed: number,
  tolerance?: number,
): StyleBootstrap {
  return bootstrapContextual(battles, fit, rounds, seed, tolerance);
}
