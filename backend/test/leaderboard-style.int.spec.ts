import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LeaderboardResponse } from '@arena/contracts';
import { computeStyleLeaderboard, seededRandom, StyleBattlesBuilder, styleCounts, type Outcome } from '@arena/ranking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, getJson, startTestArena, type TestArena } from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');

/** Answers whose length and markdown vary by model, and votes that lean towards the longer, richer one. */
function battles(count: number): { model_a: string; model_b: string; winner: Outcome; answers: [string, string] }[] {
  const random = seededRandom(31);
  const models = ['alpha', 'beta', 'gamma', 'delta'];
  const answer = (m: number): string => {
    const parts: string[] = [];
    if (random() < 0.2 + 0.2 * m) parts.push('# Plan');
    const items = Math.floor(random() * (1 + 2 * m));
    for (let i = 0; i < items; i++) parts.push(random() < 0.5 ? `- step ${i}` : `${i + 1}. step`);
    if (random() < 0.3 * m) parts.push('This is **important** and __also__ this.');
    parts.push('word '.repeat(5 + Math.floor(random() * 40 * (m + 1))));
    parts.push('```python\n# not a header\nprint(1)\n```');
    return parts.join('\n');
  };
  return Array.from({ length: count }, () => {
    const a = Math.floor(random() * 4);
    const b = (a + 1 + Math.floor(random() * 3)) % 4;
    const answers: [string, string] = [answer(a), answer(b)];
    const lean = (answers[0].length - answers[1].length) / (answers[0].length + answers[1].length + 1);
    const u = random();
    const winner: Outcome =
      u < 0.1 ? 'tie' : random() < 1 / (1 + Math.exp(-(2 * lean + (a - b) * 0.1))) ? 'model_a' : 'model_b';
    return { model_a: models[a]!, model_b: models[b]!, winner, answers };
  });
}

describe('GET /api/leaderboard?style=on', () => {
  let server: TestArena;
  const rows = battles(800);

  beforeAll(async () => {
    if (!existsSync(CLI))
      throw new Error('build the backend first (npm run build): the test imports with the real command');
    server = await startTestArena({
      database: 'postgres',
      env: { ARENA_LEADERBOARD_BOOTSTRAP: '30', ARENA_MIN_BATTLES: '5' },
    });
    const file = path.join(server.dir, 'battles.jsonl');
    await writeFile(
      file,
      rows
        .map((r, i) =>
          JSON.stringify({
            question_id: `q${i}`,
            model_a: r.model_a,
            model_b: r.model_b,
            winner: r.winner,
            anony: true,
            tstamp: 1_790_000_000 + i,
            conversation_a: [
              { role: 'user', content: `task ${i}` },
              { role: 'assistant', content: r.answers[0] },
            ],
            conversation_b: [
              { role: 'user', content: `task ${i}` },
              { role: 'assistant', content: r.answers[1] },
            ],
          }),
        )
        .join('\n'),
    );
    const imported = spawnSync(process.execPath, [CLI, 'import', '--battles', file], {
      env: { ...process.env, LOG_LEVEL: 'error', DATABASE_URL: server.databaseUrl! },
      encoding: 'utf8',
    });
    expect(imported.stderr).toBe('');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("serves FastChat's style-controlled ratings and coefficients, counted from the arena's own answers", async () => {
    const styled = (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard?style=on`)).body;
    const plain = (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard`)).body;
    expect(styled.battles).toBe(800);
    expect(plain.styleCoefficients).toBeUndefined();
    expect(styled.styleCoefficients).toBeDefined();

    // The same fit by hand from the answers: markdown after removing code, o200k_base tokens.
    const expected = new StyleBattlesBuilder();
    for (const r of rows) {
      const [a, b] = r.answers.map((answer) => styleCounts([answer]));
      expected.add(r.model_a, r.model_b, r.winner, [
        a!.tokens,
        a!.headers,
        a!.lists,
        a!.bold,
        b!.tokens,
        b!.headers,
        b!.lists,
        b!.bold,
      ]);
    }
    const board = computeStyleLeaderboard(expected.build(), { bootstrap: 30, seed: 42, minBattles: 5 });
    for (const row of styled.rows) {
      const other = board.rows.find((r) => r.model === row.model)!;
      expect(row.rating).toBeCloseTo(other.rating, 6);
      expect(row.ciLow).toBeCloseTo(other.ciLow, 6);
    }
    for (const f of ['tokens', 'headers', 'lists', 'bold'] as const) {
      expect(styled.styleCoefficients![f]).toBeCloseTo(board.styleCoefficients[f], 8);
      expect(styled.styleIntervals![f].low).toBeLessThan(styled.styleCoefficients![f]);
    }
    // Votes lean towards longer answers: length takes a clearly positive coefficient.
    expect(styled.styleCoefficients!.tokens).toBeGreaterThan(0.1);
    // Style control changes the ratings (it is not the plain board).
    const gap = Math.max(
      ...styled.rows.map((r) => Math.abs(r.rating - plain.rows.find((p) => p.model === r.model)!.rating)),
    );
    expect(gap).toBeGreaterThan(1);
  });

  it('refuses an unknown style value', async () => {
    expect((await getJson<unknown>(`${server.url}/api/leaderboard?style=maybe`)).status).toBe(400);
  });
});
