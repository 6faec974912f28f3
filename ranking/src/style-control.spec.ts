import { describe, expect, it } from 'vitest';
import { BattlesFileError, styleBattlesFromJsonlChunks, styleBattlesFromText } from './battles-file.js';
import { computeStyleLeaderboard } from './leaderboard.js';
import { bootstrapStyleControl, fitStyleControl, StyleBattlesBuilder, styleFeatures } from './style-control.js';
import { syntheticStyledBattles } from './synthetic.js';

const enc = new TextEncoder();
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const META = {
  sum_assistant_a_tokens: 120,
  header_count_a: { h1: 1, h2: 2, h3: 0, h4: 0, h5: 0, h6: 0 },
  list_count_a: { ordered: 3, unordered: 4 },
  bold_count_a: { '**': 2, __: 0 },
  sum_assistant_b_tokens: 300,
  header_count_b: 0,
  list_count_b: 1,
  bold_count_b: { '**': 5, __: 1 },
};

describe('conv_metadata reading', () => {
  it('reads integers and objects of integers the same through the byte scanner and JSON.parse', async () => {
    const rows = [
      { model_a: 'a', model_b: 'b', winner: 'model_a', conv_metadata: META },
      // Other keys inside conv_metadata, odd spacing, an escaped model name: the slow path takes over.
      `{"model_a" : "b", "conv_metadata": {"turns": [1, {"x": "}"}], "context_a_tokens": 3.5, ${Object.entries(META)
        .map(([k, v]) => `"${k}" : ${JSON.stringify(v)}`)
        .join(' ,\n ')
        .replaceAll('\n', '')} }, "winner": "tie", "model_b": "c"}`,
      { model_a: 'c\u00e9 "q"', model_b: 'a', winner: 'tie (bothbad)', conv_metadata: { ...META, list_count_b: -2 } },
      // Keys as long as FastChat's and one letter off: read past, not taken for a count.
      {
        model_a: 'a',
        model_b: 'c',
        winner: 'model_b',
        conv_metadata: { bold_count_c: 9, sum_assistant_c_tokens: 9, lost_count_a: 9, header_count_x: 9, ...META },
      },
    ];
    const text = rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
    const slow = styleBattlesFromText(text, 'jsonl');
    const fast = await styleBattlesFromJsonlChunks(chunked(text, 7));
    expect(fast).toEqual(slow);
    expect(Array.from(slow.counts.subarray(0, 8))).toEqual([120, 3, 7, 2, 300, 0, 1, 6]);
    expect(slow.counts[8 + 6]).toBe(1);
    expect(slow.counts[16 + 6]).toBe(-2);
    expect(Array.from(slow.outcome)).toEqual([1, 0.5, 0.5, 0]);
    expect(Array.from(slow.counts.subarray(24, 32))).toEqual([120, 3, 7, 2, 300, 0, 1, 6]);
  });

  it('names the line of a missing or fractional count', async () => {
    const bad = JSON.stringify({
      model_a: 'a',
      model_b: 'b',
      winner: 'model_a',
      conv_metadata: { ...META, bold_count_b: 1.5 },
    });
    const good = JSON.stringify({ model_a: 'a', model_b: 'b', winner: 'model_a', conv_metadata: META });
    await expect(styleBattlesFromJsonlChunks(chunked(`${good}\n${bad}\n`, 64), 'f.jsonl')).rejects.toThrow(
      new BattlesFileError('f.jsonl:2: conv_metadata.bold_count_b must be an integer or an object of integers'),
    );
    const { conv_metadata: _, ...none } = JSON.parse(good) as Record<string, unknown>;
    await expect(styleBattlesFromJsonlChunks(chunked(`${JSON.stringify(none)}\n`, 64), 'f.jsonl')).rejects.toThrow(
      'f.jsonl:1: style control needs conv_metadata',
    );
  });
});

describe('style features and fit', () => {
  it('standardises each normalised difference and leaves a constant one at zero', () => {
    const b = new StyleBattlesBuilder();
    b.add('x', 'y', 'model_a', [10, 0, 1, 0, 0, 0, 3, 0]);
    b.add('y', 'x', 'model_b', [5, 0, 0, 0, 5, 0, 0, 0]);
    const f = styleFeatures(b.build());
    // tokens: 10/11 and 0 → ±1 after standardising; headers and bold never vary → 0.
    expect(f[0]).toBeCloseTo(1, 12);
    expect(f[4]).toBeCloseTo(-1, 12);
    expect([f[1], f[3], f[5], f[7]]).toEqual([0, 0, 0, 0]);
    // lists: (1 − 3)/5 against 0 → −1 and +1.
    expect(f[2]).toBeCloseTo(-1, 12);
    expect(f[6]).toBeCloseTo(1, 12);
  });

  it("centres the ratings as FastChat's penalty does, and the bootstrap is seeded and brackets the fit", () => {
    const { rows } = syntheticStyledBattles({ models: 6, battles: 3_000, seed: 4 });
    const text = rows.map((r) => JSON.stringify(r)).join('\n');
    const data = styleBattlesFromText(text, 'jsonl');
    const fit = fitStyleControl(data);
    // Ratings sum to zero: the L2 penalty pins the free offset, as in FastChat.
    expect(Math.abs(fit.strengths.reduce((s, r) => s + r, 0))).toBeLessThan(1e-9);
    const again = bootstrapStyleControl(data, fit, 5, 7);
    expect(bootstrapStyleControl(data, fit, 5, 7).samples).toEqual(again.samples);
    expect(bootstrapStyleControl(data, fit, 5, 8).samples).not.toEqual(again.samples);
    const board = computeStyleLeaderboard(data, { bootstrap: 40, seed: 3 });
    for (const row of board.rows) {
      expect(row.ciLow).toBeLessThan(row.rating);
      expect(row.ciHigh).toBeGreaterThan(row.rating);
    }
    const sandwich = computeStyleLeaderboard(data);
    expect(sandwich.interval).toBe('sandwich');
    for (const f of ['tokens', 'headers', 'lists', 'bold'] as const) {
      expect(sandwich.styleIntervals[f].low).toBeLessThan(sandwich.styleCoefficients[f]);
      expect(sandwich.styleIntervals[f].high).toBeGreaterThan(sandwich.styleCoefficients[f]);
      expect(sandwich.styleCoefficients[f]).toBeCloseTo(board.styleCoefficients[f], 12);
    }
    // An anchor shifts every rating by one amount.
    const anchored = computeStyleLeaderboard(data, { anchor: { model: 'model-000', rating: 1200 } });
    const shift =
      anchored.rows.find((r) => r.model === 'model-000')!.rating -
      sandwich.rows.find((r) => r.model === 'model-000')!.rating;
    for (const row of anchored.rows) {
      expect(row.rating - sandwich.rows.find((r) => r.model === row.model)!.rating).toBeCloseTo(shift, 9);
    }
  });
});
