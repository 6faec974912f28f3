import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  autoArenaCsv,
  autoArenaSvg,
  runAutoArena,
  scoreAutoArena,
  type AutoGame,
  type AutoPrompt,
} from './autoarena.js';
import type { PairwiseLabel } from './verdict.js';

const prompts: AutoPrompt[] = Array.from({ length: 12 }, (_, i) => ({
  uid: `p${i}`,
  instruction: `task ${i}`,
  category: i % 2 ? 'web' : 'games',
}));

describe('AutoCodeArena scoring', () => {
  it('a model that always wins strongly scores far above 50%; one that always ties scores 50%', () => {
    const games: AutoGame[] = prompts.flatMap((p) => [
      // "strong": the model is B in game 1 and A in game 2, and it is strongly preferred in both.
      { uid: p.uid, model: 'strong', game: 1, label: 'B>>A', raw: '' },
      { uid: p.uid, model: 'strong', game: 2, label: 'A>>B', raw: '' },
      { uid: p.uid, model: 'even', game: 1, label: 'A=B', raw: '' },
      { uid: p.uid, model: 'even', game: 2, label: 'A=B', raw: '' },
      { uid: p.uid, model: 'weak', game: 1, label: 'A>B', raw: '' },
      { uid: p.uid, model: 'weak', game: 2, label: p.uid === 'p0' ? 'A>B' : 'B>A', raw: '' },
    ]);
    const results = scoreAutoArena(prompts, games, 'base', { rounds: 200, seed: 3 });
    expect(results.overall.map((r) => r.model)).toEqual(['strong', 'even', 'weak']);
    const [strong, even, weak] = results.overall;
    expect(strong!.winRate).toBeGreaterThan(0.95);
    expect(strong!.games).toBe(12 * 2 * 3);
    expect(even!.winRate).toBeCloseTo(0.5, 6);
    expect(weak!.winRate).toBeLessThan(0.1);
    for (const r of results.overall) {
      expect(r.low).toBeLessThanOrEqual(r.winRate + 1e-9);
      expect(r.high).toBeGreaterThanOrEqual(r.winRate - 1e-9);
    }
    expect(Object.keys(results.byCategory)).toEqual(['games', 'web']);
    expect(results.byCategory['web']!.find((r) => r.model === 'even')!.winRate).toBeCloseTo(0.5, 6);
    expect(autoArenaCsv(results).split('\n')[1]).toMatch(/^overall,strong,(0\.9\d+|1\.0000),/);
    expect(autoArenaSvg(results)).toContain('<svg');
  });
});

describe('AutoCodeArena runs', () => {
  it('regenerates until there is code, and resumes an interrupted run without redoing finished work', async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'autoarena-'));
    const generated: string[] = [];
    const judged: string[] = [];
    const controller = new AbortController();
    const options = (signal: AbortSignal) => ({
      prompts,
      models: ['m1', 'm2'],
      baseline: 'base',
      outDir,
      concurrency: 2,
      signal,
      generate: async (model: string, prompt: AutoPrompt) => {
        generated.push(`${model}/${prompt.uid}`);
        // m2 forgets the code block the first time for p3.
        const first = generated.filter((g) => g === `${model}/${prompt.uid}`).length === 1;
        return model === 'm2' && prompt.uid === 'p3' && first
          ? 'no code, sorry'
          : `\`\`\`python\nprint("${model}")\n\`\`\``;
      },
      hasCode: (text: string) => text.includes('```'),
      execute: async (text: string) => ({
        environment: 'python',
        run: { status: 'ok' as const, stdout: text.slice(0, 5), stderr: '' },
      }),
      judge: async (prompt: AutoPrompt, a: { model: string }, b: { model: string }) => {
        judged.push(`${prompt.uid}:${a.model}-${b.model}`);
        if (judged.length === 10) controller.abort();
        const label: PairwiseLabel = a.model === 'base' ? 'B>A' : 'A>B';
        return { label, raw: `[[${label}]]` };
      },
    });
    const first = await runAutoArena(options(controller.signal));
    expect(first.games.length).toBeLessThan(prompts.length * 2 * 2);
    expect(generated).toHaveLength(prompts.length * 3 + 1);
    const before = { generated: generated.length, judged: judged.length };

    const second = await runAutoArena(options(new AbortController().signal));
    expect(generated.length).toBe(before.generated); // every answer was kept
    expect(judged.length - before.judged).toBe(prompts.length * 4 - first.games.length);
    expect(second.games).toHaveLength(prompts.length * 4);
    const lines = (await readFile(path.join(outDir, 'games.jsonl'), 'utf8')).trim().split('\n');
    expect(
      new Set(
        lines.map((l) => {
          const g = JSON.parse(l) as AutoGame;
          return `${g.model}/${g.uid}/${g.game}`;
        }),
      ).size,
    ).toBe(lines.length);
    const m2p3 = second.answers.find((a) => a.model === 'm2' && a.uid === 'p3')!;
    expect(m2p3.attempts).toBe(2);
    const results = scoreAutoArena(prompts, second.games, 'base');
    expect(results.overall.every((r) => r.winRate > 0.9)).toBe(true);
  });
});
