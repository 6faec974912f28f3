import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countsFromJsonlChunks,
  countsFromJsonlFile,
  styleBattlesFromJsonlChunks,
  styleBattlesFromJsonlFile,
} from './battles-file.js';
import { syntheticStyledBattles } from './synthetic.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'arena-jsonl-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chunksOf(text: string, size: number): AsyncIterable<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return (async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  })();
}

/** Synthetic rows, with lines only JSON.parse reads (an escaped name, an extra field first) and blank ones. */
function fileText(): string {
  const { rows } = syntheticStyledBattles({ models: 9, battles: 3000, seed: 4 });
  return rows
    .map((row, i) => {
      if (i % 97 === 5) return JSON.stringify({ ...row, model_a: `${row.model_a} \u00e9 "q"` });
      if (i % 89 === 7) return `{"note": [1, {"model_a": "x"}], ${JSON.stringify(row).slice(1)}`;
      if (i % 211 === 11) return `${JSON.stringify(row)}\n`;
      return JSON.stringify(row);
    })
    .join('\n');
}

describe('style battles from a JSON lines file in parts on threads', () => {
  const text = fileText();
  const file = path.join(dir, 'battles.jsonl');
  writeFileSync(file, text);

  it('equal the streamed battles (models, order, outcomes, counts) on 1, 2 and 3 threads', async () => {
    const streamed = await styleBattlesFromJsonlChunks(chunksOf(text, 4096), file);
    expect(streamed.models.some((m) => m.includes('"q"'))).toBe(true);
    for (const threads of [1, 2, 3]) {
      const parts = await styleBattlesFromJsonlFile(file, file, { threads });
      expect(parts.models).toEqual(streamed.models);
      expect(parts.length).toBe(streamed.length);
      expect(parts.a).toEqual(streamed.a);
      expect(parts.b).toEqual(streamed.b);
      expect(parts.outcome).toEqual(streamed.outcome);
      expect(parts.counts).toEqual(streamed.counts);
    }
  });

  it('name a bad line in a later part by its line in the file', async () => {
    const lines = text.split('\n');
    const bad = lines.length - 40;
    lines[bad - 1] = '{"model_a": "a", "model_b": "b", "winner": "model_a", "conv_metadata": {"tokens": 1}';
    const broken = path.join(dir, 'broken.jsonl');
    writeFileSync(broken, lines.join('\n'));
    await expect(styleBattlesFromJsonlChunks(chunksOf(lines.join('\n'), 1000), broken)).rejects.toThrow(
      `${broken}:${bad}: not valid JSON`,
    );
    for (const threads of [2, 3])
      await expect(styleBattlesFromJsonlFile(broken, broken, { threads })).rejects.toThrow(
        `${broken}:${bad}: not valid JSON`,
      );
  });
});

describe('pair counts from a JSON lines file in parts on threads', () => {
  const text = fileText();
  const file = path.join(dir, 'counts.jsonl');
  writeFileSync(file, text);

  it('equal the streamed counts (models, their order, cells, ties of both kinds) on 1, 2 and 3 threads', async () => {
    const streamed = await countsFromJsonlChunks(chunksOf(text, 4096), file);
    expect(streamed.models.some((m) => m.includes('"q"'))).toBe(true);
    expect(text).toContain('"tie (bothbad)"');
    for (const threads of [1, 2, 3]) {
      const parts = await countsFromJsonlFile(file, file, { threads });
      expect(parts.models).toEqual(streamed.models);
      expect(parts.battles).toBe(streamed.battles);
      expect(parts.wins).toEqual(streamed.wins);
      expect(parts.games).toEqual(streamed.games);
      expect(parts.cells).toEqual(streamed.cells);
    }
  });

  it('name a bad line in a later part by its line in the file', async () => {
    const lines = text.split('\n');
    const bad = lines.length - 40;
    lines[bad - 1] = '{"model_a": "a", "model_b": "b", "winner": "model_a"';
    const broken = path.join(dir, 'broken-counts.jsonl');
    writeFileSync(broken, lines.join('\n'));
    // The byte scanner took an unclosed object (or text after one) as a battle; JSON.parse names the line.
    await expect(countsFromJsonlChunks(chunksOf(lines.join('\n'), 1000), broken)).rejects.toThrow(
      `${broken}:${bad}: not valid JSON`,
    );
    const trailing = [...text.split('\n')];
    trailing[bad - 1] = `${trailing[bad - 1]} {"winner": "model_b"}`;
    await expect(countsFromJsonlChunks(chunksOf(trailing.join('\n'), 1000), broken)).rejects.toThrow(
      `${broken}:${bad}: not valid JSON`,
    );
    for (const threads of [1, 2, 3])
      await expect(countsFromJsonlFile(broken, broken, { threads })).rejects.toThrow(
        `${broken}:${bad}: not valid JSON`,
      );
  });
});
