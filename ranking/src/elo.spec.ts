import { describe, expect, it } from 'vitest';
import { onlineElo } from './elo.js';
import type { BattleRow } from './pairwise.js';
import { seededRandom } from './random.js';

describe('onlineElo from earlier ratings', () => {
  it('goes on from them exactly as over every row in order, and leaves them unchanged', () => {
    const random = seededRandom(3);
    const models = ['a', 'b', 'c', 'd', 'e'];
    const outcomes = ['model_a', 'model_b', 'tie', 'tie (bothbad)'] as const;
    const rows: BattleRow[] = Array.from({ length: 500 }, () => {
      const i = Math.floor(random() * 5);
      return {
        model_a: models[i]!,
        model_b: models[(i + 1 + Math.floor(random() * 4)) % 5]!,
        winner: outcomes[Math.floor(random() * 4)]!,
      };
    });
    const all = onlineElo(rows);
    // Split anywhere, in several steps (a model first met after the split starts from the initial rating).
    const first = onlineElo(rows.slice(0, 3));
    const copy = new Map(first);
    const second = onlineElo(rows.slice(3, 200), { from: first });
    const third = onlineElo(rows.slice(200), { from: second });
    expect(first).toEqual(copy);
    for (const model of models) expect(third.get(model)).toBe(all.get(model));
  });
});
