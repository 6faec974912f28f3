import type { BattleRow, Outcome } from './pairwise.js';
import { seededRandom } from './random.js';

/** Battles drawn from known Bradley-Terry strengths, for tests and benchmarks. */
export function syntheticBattles(options: { models: number; battles: number; seed: number; tieRate?: number }): {
  rows: BattleRow[];
  names: string[];
  truth: Map<string, number>;
} {
  const random = seededRandom(options.seed);
  const names = Array.from({ length: options.models }, (_, i) => `model-${String(i).padStart(3, '0')}`);
  const strengths = names.map(() => (random() - 0.5) * 4);
  const tieRate = options.tieRate ?? 0.1;
  const rows: BattleRow[] = new Array<BattleRow>(options.battles);
  for (let k = 0; k < options.battles; k++) {
    const a = Math.floor(random() * names.length);
    let b = Math.floor(random() * (names.length - 1));
    if (b >= a) b += 1;
    const p = 1 / (1 + Math.exp(strengths[b]! - strengths[a]!));
    const u = random();
    let winner: Outcome;
    if (u < tieRate) winner = random() < 0.8 ? 'tie' : 'tie (bothbad)';
    else winner = random() < p ? 'model_a' : 'model_b';
    rows[k] = { model_a: names[a]!, model_b: names[b]!, winner };
  }
  return { rows, names, truth: new Map(names.map((n, i) => [n, strengths[i]!])) };
}

/** A FastChat clean-battle row with the style counts FastChat's `conv_metadata` carries. */
export interface StyledBattleRow extends BattleRow {
  conv_metadata: Record<string, number | Record<string, number>>;
}

function poissonish(mean: number, random: () => number): number {
  // Knuth's method: small means only.
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k += 1;
    p *= random();
  }
  return k;
}

/**
 * Battles whose outcomes depend on model strength and on style (longer answers and more markdown win more
 * often), with FastChat's `conv_metadata`: answer tokens as an integer, headers, lists and bold either as
 * FastChat's objects of integers (`{ h1…h6 }`, `{ ordered, unordered }`, `{ '**', __ }`) or as integers.
 */
export function syntheticStyledBattles(options: { models: number; battles: number; seed: number; tieRate?: number }): {
  rows: StyledBattleRow[];
  names: string[];
} {
  const random = seededRandom(options.seed);
  const names = Array.from({ length: options.models }, (_, i) => `model-${String(i).padStart(3, '0')}`);
  const strengths = names.map(() => (random() - 0.5) * 3);
  const verbosity = names.map(() => 150 + random() * 900);
  const markdown = names.map(() => random() * 3);
  const tieRate = options.tieRate ?? 0.15;
  const rows: StyledBattleRow[] = new Array<StyledBattleRow>(options.battles);
  const side = (m: number) => {
    const tokens = Math.max(1, Math.round(verbosity[m]! * (0.3 + 1.4 * random())));
    const headers = poissonish(markdown[m]!, random);
    const lists = poissonish(markdown[m]! * 2, random);
    const bold = poissonish(markdown[m]! * 1.5, random);
    return { tokens, headers, lists, bold };
  };
  const split = (total: number, keys: string[]): Record<string, number> => {
    const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
    for (let i = 0; i < total; i++) out[keys[Math.floor(random() * keys.length)]!]! += 1;
    return out;
  };
  for (let k = 0; k < options.battles; k++) {
    const a = Math.floor(random() * names.length);
    let b = Math.floor(random() * (names.length - 1));
    if (b >= a) b += 1;
    const x = side(a);
    const y = side(b);
    const ratio = (p: number, q: number) => (p - q) / (p + q + 1);
    const z =
      strengths[a]! -
      strengths[b]! +
      1.2 * ratio(x.tokens, y.tokens) +
      0.3 * ratio(x.headers, y.headers) +
      0.2 * ratio(x.lists, y.lists) +
      0.25 * ratio(x.bold, y.bold);
    let winner: Outcome;
    if (random() < tieRate) winner = random() < 0.8 ? 'tie' : 'tie (bothbad)';
    else winner = random() < 1 / (1 + Math.exp(-z)) ? 'model_a' : 'model_b';
    const objects = random() < 0.5;
    const meta: StyledBattleRow['conv_metadata'] = {};
    for (const [suffix, s] of [
      ['a', x],
      ['b', y],
    ] as const) {
      meta[`sum_assistant_${suffix}_tokens`] = s.tokens;
      meta[`header_count_${suffix}`] = objects ? split(s.headers, ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']) : s.headers;
      meta[`list_count_${suffix}`] = objects ? split(s.lists, ['ordered', 'unordered']) : s.lists;
      meta[`bold_count_${suffix}`] = objects ? split(s.bold, ['**', '__']) : s.bold;
    }
    rows[k] = { model_a: names[a]!, model_b: names[b]!, winner, conv_metadata: meta };
  }
  return { rows, names };
}
