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
