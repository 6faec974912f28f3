import { describe, expect, it } from 'vitest';
import { BattlesFileError, countsFromJsonlChunks, countsFromText } from './battles-file.js';
import { computeLeaderboard } from './leaderboard.js';

const enc = new TextEncoder();
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const ROWS = [
  {
    model_a: 'gpt-4',
    model_b: 'claude',
    winner: 'model_a',
    conversation_a: [{ role: 'user', content: 'say "model_b" {' }],
  },
  { model_a: 'claude', model_b: 'gpt-4', winner: 'tie (bothbad)', turn: 1 },
  { model_b: 'llama', winner: 'model_b', model_a: 'gpt-4', judge: 'x' },
  { model_a: 'mod\u00e8le "q"', model_b: 'llama', winner: 'tie' },
];

describe('battles files', () => {
  const jsonl = ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n';

  it('reads the same counts from JSON, JSON lines and CSV, and from any chunking of the bytes', async () => {
    const fromJson = countsFromText(JSON.stringify(ROWS), 'json');
    const csv =
      'model_a,model_b,winner,note\n' +
      ROWS.map((r) => `"${r.model_a.replaceAll('"', '""')}",${r.model_b},${r.winner},"a, b"`).join('\r\n');
    const fromCsv = countsFromText(csv, 'csv');
    const ratings = (c: ReturnType<typeof countsFromText>) =>
      Object.fromEntries(computeLeaderboard(c).rows.map((r) => [r.model, r.rating.toFixed(9)]));
    const expected = ratings(fromJson);
    expect(ratings(fromCsv)).toEqual(expected);
    expect(ratings(countsFromText(jsonl, 'jsonl'))).toEqual(expected);
    for (const size of [1, 3, 17, 4096])
      expect(ratings(await countsFromJsonlChunks(chunked(jsonl, size)))).toEqual(expected);
    expect(fromJson.battles).toBe(4);
    expect(fromJson.models.sort()).toEqual(['claude', 'gpt-4', 'llama', 'mod\u00e8le "q"']);
  });

  it('names the line and the field of a bad row', async () => {
    await expect(
      countsFromJsonlChunks(chunked(jsonl + '{"model_a":"a","model_b":"b","winner":"draw"}\n', 64), 'f.jsonl'),
    ).rejects.toThrow(/f\.jsonl:5: winner must be one of/);
    await expect(countsFromJsonlChunks(chunked('{"model_a":"a"\n', 8), 'f.jsonl')).rejects.toThrow(
      /f\.jsonl:1: not valid JSON/,
    );
    expect(() => countsFromText('model_a,winner\na,tie\n', 'csv')).toThrow(BattlesFileError);
    expect(() => countsFromText('{"a":1}', 'json')).toThrow(/array/);
  });
});
