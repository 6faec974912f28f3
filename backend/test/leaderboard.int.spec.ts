import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LeaderboardResponse, MatrixResponse } from '@arena/contracts';
import { syntheticBattles } from '@arena/ranking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  connectClient,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');

function arena(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI))
    throw new Error('build the backend first (npm run build): the test runs the real arena command');
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('leaderboard from imported and live votes', () => {
  let server: TestArena;
  let file: string;

  beforeAll(async () => {
    server = await startTestArena({
      database: 'postgres',
      env: { ARENA_LEADERBOARD_BOOTSTRAP: '50', ARENA_MIN_BATTLES: '5' },
    });
    const { rows } = syntheticBattles({ models: 5, battles: 1_500, seed: 12, tieRate: 0.2 });
    file = path.join(server.dir, 'battles.jsonl');
    await writeFile(
      file,
      rows
        .map((r, i) =>
          JSON.stringify({ ...r, category: i % 3 === 0 ? 'web_design' : 'problem_solving', tstamp: 1_790_000_000 + i }),
        )
        .join('\n'),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('imports a FastChat battles file and serves the same leaderboard as `arena rank` on that file', async () => {
    const imported = arena(['import', '--battles', file], { DATABASE_URL: server.databaseUrl! });
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('imported 1500 battles');

    const ranked = arena(['rank', '--input', file, '--format', 'json', '--bootstrap', '50'], {});
    expect(ranked.status).toBe(0);
    const cli = JSON.parse(ranked.stdout) as {
      battles: number;
      rows: { model: string; rating: number; battles: number; winRate: number }[];
    };
    const api = (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard`)).body;
    expect(api.battles).toBe(1500);
    expect(api.hygiene).toMatchObject({ input: 1500, kept: 1500 });
    expect(api.rows.map((r) => r.model)).toEqual(cli.rows.map((r) => r.model));
    for (const row of api.rows) {
      const other = cli.rows.find((r) => r.model === row.model)!;
      expect(row.rating).toBeCloseTo(other.rating, 6);
      expect(row.battles).toBe(other.battles);
      expect(row.winRate).toBeCloseTo(other.winRate, 12);
      expect(row.ciLow).toBeLessThan(row.rating);
      expect(row.ciHigh).toBeGreaterThan(row.rating);
    }

    const byCategory = (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard?category=web_design`)).body;
    const cliCategory = JSON.parse(
      arena(['rank', '--input', file, '--format', 'json', '--category', 'web_design'], {}).stdout,
    ) as typeof cli;
    expect(byCategory.battles).toBe(500);
    expect(cliCategory.battles).toBe(500);
    for (const row of byCategory.rows)
      expect(row.rating).toBeCloseTo(cliCategory.rows.find((r) => r.model === row.model)!.rating, 6);
    expect(byCategory.facets.categories).toEqual(['problem_solving', 'web_design']);

    const counts = (await getJson<MatrixResponse>(`${server.url}/api/leaderboard/matrix?kind=count`)).body;
    expect(counts.models).toEqual(api.rows.map((r) => r.model));
    const total = counts.values.flat().reduce<number>((s, v) => s + (v ?? 0), 0);
    expect(total).toBe(3000);
    const winrate = (await getJson<MatrixResponse>(`${server.url}/api/leaderboard/matrix`)).body;
    for (let i = 0; i < winrate.models.length; i++) {
      expect(winrate.values[i]![i]).toBeNull();
      for (let j = 0; j < i; j++) expect(winrate.values[i]![j]! + winrate.values[j]![i]!).toBeCloseTo(1, 12);
    }
  });

  it('counts a new vote on the next read, and breaks down by environment and by whether both sides ran', async () => {
    const before = (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard`)).body;
    const voter = await connectClient(server.url);
    const created = await voter.socket.emitWithAck('battle:create', {
      prompt: 'Print the first 20 Fibonacci numbers',
      category: 'live',
    });
    if (!created.ok) throw new Error(created.error.message);
    await waitForFrame(voter, statusIs(created.battleId, 'voting'));
    // A failing re-run from the UI before the vote says nothing about the model: both sides still "ran".
    const rerun = await voter.socket.emitWithAck('run:request', {
      battleId: created.battleId,
      side: 'a',
      code: 'throw new Error("edited into a failure")',
    });
    if (!rerun.ok) throw new Error(rerun.error.message);
    await waitForFrame(voter, (f) => f.event === 'run:end' && (f.payload as { runId: string }).runId === rerun.runId);
    const vote = await voter.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'model_a' });
    if (!vote.ok) throw new Error(vote.error.message);
    const after = (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard`)).body;
    expect(after.battles).toBe(before.battles + 1);
    expect(after.rows.find((r) => r.model === vote.models.a.id)).toMatchObject({
      battles: 1,
      winRate: 1,
      provisional: true,
      name: vote.models.a.name,
    });
    const live = (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard?category=live&bothRan=true`)).body;
    expect(live.battles).toBe(1);

    // A second vote is read incrementally: counted once, nothing read twice.
    const again = await voter.socket.emitWithAck('battle:create', {
      prompt: 'Find primes below 100',
      category: 'live-2',
    });
    if (!again.ok) throw new Error(again.error.message);
    await waitForFrame(voter, statusIs(again.battleId, 'voting'));
    await voter.socket.emitWithAck('battle:vote', { battleId: again.battleId, winner: 'tie' });
    expect((await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard`)).body.battles).toBe(before.battles + 2);
    const environment = after.facets.environments[0]!;
    expect(['javascript', 'typescript']).toContain(environment);
    expect(
      (await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard?environment=${environment}`)).body.battles,
    ).toBeGreaterThanOrEqual(1);
    expect((await getJson<LeaderboardResponse>(`${server.url}/api/leaderboard?bothRan=false`)).body.battles).toBe(1500);
    const download = await fetch(`${server.url}/api/leaderboard/battles.jsonl?category=live`);
    const lines = (await download.text()).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ question_id: created.battleId, winner: 'model_a', both_ran: true });
    voter.socket.disconnect();
  });

  it('rejects bad queries and bad command lines with a clear reason', async () => {
    const bad = await getJson<{ error: { code: string; message: string } }>(
      `${server.url}/api/leaderboard?bothRan=maybe`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/bothRan/);
    const badKind = await getJson<{ error: { code: string } }>(`${server.url}/api/leaderboard/matrix?kind=heat`);
    expect(badKind.status).toBe(400);
    for (const args of [
      ['rank', '--input', path.join(server.dir, 'missing.jsonl')],
      ['rank', '--input', file, '--anchor', 'nobody'],
      ['rank', '--input', file, '--anchor', 'nobody=1000'],
      ['rank', '--input', file, '--format', 'xml'],
      ['import'],
      ['frobnicate'],
    ]) {
      const run = arena(args, { DATABASE_URL: server.databaseUrl! });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr.split('\n')[0]).toMatch(/^arena: /);
    }
  });
});
