import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BattleSnapshot, GenDelta, GenEnd, RunEnd, Side } from '@arena/contracts';
import { startArenaProcess, until } from '@arena/testkit';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AbandonedBattles } from '../src/battles/abandoned-battles.js';
import { BattleRegistry } from '../src/battles/battle-registry.js';
import { ClusterBus } from '../src/realtime/cluster-bus.js';
import {
  connectClient,
  DATABASES,
  freshPostgres,
  getJson,
  startTestArena,
  type RecordedFrame,
} from './support/test-arena.js';

/**
 * An arena process killed outright (SIGKILL) while a battle is being written: the next process on the same
 * database settles that battle as soon as it starts, so it can be voted on with what was written (it stayed
 * `generating` for about five minutes, until the age rule marked it failed). The embedded database keeps
 * what was committed before the kill: PGlite writes straight to its files (Emscripten's NODEFS).
 */
const STOPPED = 'the server stopped while this answer was being written';
// One side is done (answer written, code run) within a moment; the other streams for a minute.
const MODELS = [
  { id: 'demo-atlas', name: 'Demo Atlas', provider: 'demo', style: 'typescript', tokensPerSecond: 100_000 },
  { id: 'demo-breeze', name: 'Demo Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 8 },
];

const of = <T>(frames: RecordedFrame[], event: string): T[] =>
  frames.filter((f) => f.event === event).map((f) => f.payload as T);

describe.each(DATABASES)('a battle whose process was killed (%s)', (database) => {
  it('is votable as soon as the next process starts, with the partial answer kept', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-killed-'));
    const postgres = database === 'postgres' ? await freshPostgres() : undefined;
    try {
      const first = await startArenaProcess(MODELS, {
        ARENA_DATA_DIR: dir,
        DATABASE_URL: postgres?.url ?? '',
        DOCKER_HOSTS: 'none',
        ARENA_PYODIDE: 'off',
      });
      let battleId: string;
      let voterId: string;
      const streamed: Record<Side, string> = { a: '', b: '' };
      let finished: Side;
      try {
        const voter = await connectClient(first.url);
        voterId = voter.voterId;
        const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Print the first ten primes' });
        if (!created.ok) throw new Error(created.error.message);
        battleId = created.battleId;
        // The fast side has finished and run its code; the slow one has streamed for a while (its text is
        // written every half second while it streams).
        await until(() => of<GenEnd>(voter.frames, 'gen:end').length === 1, 'the fast side to finish', { ms: 60_000 });
        finished = of<GenEnd>(voter.frames, 'gen:end')[0]!.side;
        const slow: Side = finished === 'a' ? 'b' : 'a';
        await until(() => of<RunEnd>(voter.frames, 'run:end').some((r) => r.side === finished), 'its run', {
          ms: 60_000,
        });
        const slowDeltas = (): GenDelta[] => of<GenDelta>(voter.frames, 'gen:delta').filter((d) => d.side === slow);
        await until(() => slowDeltas().length >= 12, 'the slow side to stream', { ms: 60_000 });
        first.child.kill('SIGKILL');
        await new Promise((resolve) => first.child.once('exit', resolve));
        for (const d of of<GenDelta>(voter.frames, 'gen:delta')) streamed[d.side] += d.text;
        expect(of<GenEnd>(voter.frames, 'gen:end')).toHaveLength(1);
        voter.socket.disconnect();
      } finally {
        await first.stop();
      }

      // The next process, on the same data directory (embedded) or, given DATABASE_URL, the same PostgreSQL
      // database (`database: 'postgres'` would make a fresh one).
      const second = await startTestArena({
        database: 'embedded',
        dir,
        models: MODELS,
        env: { DATABASE_URL: postgres?.url ?? '', DOCKER_HOSTS: 'none', ARENA_PYODIDE: 'off' },
      });
      try {
        const { body } = await getJson<BattleSnapshot>(`${second.url}/api/battles/${battleId}`);
        const slow: Side = finished === 'a' ? 'b' : 'a';
        const done = body.turns[0]!.sides[finished];
        const cut = body.turns[0]!.sides[slow];
        expect(body.status).toBe('voting');
        expect(done).toMatchObject({ finished: true, finishReason: 'stop', text: streamed[finished] });
        expect(done.error).toBeUndefined();
        expect(done.runs.map((r) => r.status)).toEqual(['ok']);
        expect(cut).toMatchObject({ finished: true, finishReason: 'error', error: STOPPED });
        expect(cut.text.length).toBeGreaterThan(0);
        expect(streamed[slow].startsWith(cut.text)).toBe(true);

        const again = await connectClient(second.url, voterId);
        const vote = await again.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
        expect(vote.ok, JSON.stringify(vote)).toBe(true);
        again.socket.disconnect();
      } finally {
        await second.stop();
      }
    } finally {
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('settles what no process holds once past the guard: votable with text, failed without', async () => {
    const arena = await startTestArena({ database });
    try {
      const dataSource = arena.app.get(DataSource);
      const battle = async (id: string, status: string, age: string, texts: [string, string]): Promise<void> => {
        await dataSource.query(
          `INSERT INTO battles (id, status, model_a_id, model_b_id, creator_voter_id, anony, created_at)
           VALUES ($1, $2, 'demo-atlas', 'demo-breeze', 'voter-x', true, now() - $3::interval)`,
          [id, status, age],
        );
        await dataSource.query(
          `INSERT INTO turns (id, battle_id, turn, prompt) VALUES (gen_random_uuid(), $1, 0, 'p')`,
          [id],
        );
        for (const [i, side] of (['a', 'b'] as const).entries())
          await dataSource.query(
            `INSERT INTO side_messages (id, battle_id, turn, side, model_id, text)
             VALUES (gen_random_uuid(), $1, 0, $2, $3, $4)`,
            [id, side, side === 'a' ? 'demo-atlas' : 'demo-breeze', texts[i]],
          );
      };
      const partial = '00000000-0000-4000-8000-00000000000a';
      const empty = '00000000-0000-4000-8000-00000000000b';
      const fresh = '00000000-0000-4000-8000-00000000000c';
      await battle(partial, 'running', '1 minute', ['half an ans', '']);
      await battle(empty, 'generating', '1 minute', ['', '']);
      // Just created, perhaps by another process that has not put it in its memory yet.
      await battle(fresh, 'generating', '1 second', ['', '']);
      await arena.app.get(AbandonedBattles).sweep();
      const rows = await dataSource.query<{ id: string; status: string }[]>(
        'SELECT id, status FROM battles ORDER BY id',
      );
      expect(rows.map((r) => r.status)).toEqual(['voting', 'failed', 'generating']);
      const { body } = await getJson<BattleSnapshot>(`${arena.url}/api/battles/${partial}`);
      expect(body.turns[0]!.sides.a).toMatchObject({ text: 'half an ans', finishReason: 'error', error: STOPPED });
      expect(body.turns[0]!.sides.b).toMatchObject({ text: '', finishReason: 'error', error: STOPPED });
    } finally {
      await arena.stop();
    }
  });
});

describe('in a cluster (Redis, one PostgreSQL database)', () => {
  it('never settles a battle another live process holds; settles one nobody holds at a second sighting', async () => {
    const env = {
      REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `arena-killed-${process.pid}-${Date.now()}`,
      DOCKER_HOSTS: 'none',
      ARENA_PYODIDE: 'off',
    };
    const one = await startTestArena({ database: 'postgres', models: MODELS, env });
    const two = await startTestArena({
      database: 'embedded',
      models: MODELS,
      env: { ...env, DATABASE_URL: one.databaseUrl! },
    });
    try {
      const voter = await connectClient(one.url);
      const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Print the first ten primes' });
      if (!created.ok) throw new Error(created.error.message);
      // Two can see one (the bus has learnt of the other process).
      const cluster = two.app.get(ClusterBus);
      for (let i = 0; i < 100 && (await cluster.watchRemote(created.battleId, '')) === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await cluster.watchRemote(created.battleId, '')).not.toBeNull();
      const orphan = '00000000-0000-4000-8000-0000000000dd';
      const dataSource = two.app.get(DataSource);
      await dataSource.query(
        `INSERT INTO battles (id, status, model_a_id, model_b_id, creator_voter_id, anony, created_at)
         VALUES ($1, 'generating', 'demo-atlas', 'demo-breeze', 'voter-x', true, now() - interval '1 minute')`,
        [orphan],
      );
      const sweeper = two.app.get(AbandonedBattles);
      const statuses = async (): Promise<string[]> =>
        (
          await dataSource.query<{ status: string }[]>('SELECT status FROM battles WHERE id = ANY($1) ORDER BY id', [
            [orphan, created.battleId],
          ])
        ).map((r) => r.status);
      const live = (await statuses())[1];
      // First sighting: nothing is settled yet (an answer lost to a process that just died is not proof).
      expect(await sweeper.sweep({ guardMs: 0 })).toBe(0);
      expect(await statuses()).toEqual(['generating', live]);
      // Second sighting: the battle nobody holds is settled (failed: nothing written); one's battle is not.
      expect(await sweeper.sweep({ guardMs: 0, confirmMs: 0 })).toBe(1);
      expect(await statuses()).toEqual(['failed', live]);
      expect(one.app.get(BattleRegistry).get(created.battleId)).toBeDefined();
      voter.socket.disconnect();
    } finally {
      await two.stop();
      await one.stop();
    }
  });
});
