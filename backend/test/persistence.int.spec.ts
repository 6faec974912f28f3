import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BattleSnapshot } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AbandonedBattles } from '../src/battles/abandoned-battles.js';
import { SideMessageEntity } from '../src/battles/entities/index.js';
import { connectClient, getJson, startTestArena, statusIs, waitForFrame } from './support/test-arena.js';

describe('the embedded database', () => {
  it('keeps battles and votes in the data directory across restarts', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-persist-'));
    try {
      const first = await startTestArena({ database: 'embedded', dir });
      const voter = await connectClient(first.url);
      const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Sort an array with merge sort' });
      if (!created.ok) throw new Error(created.error.message);
      await waitForFrame(voter, statusIs(created.battleId, 'voting'));
      const vote = await voter.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'model_a' });
      expect(vote.ok).toBe(true);
      const before = (await getJson<BattleSnapshot>(`${first.url}/api/battles/${created.battleId}`)).body;
      // A second battle is left waiting for its vote across the restart.
      const pending = await voter.socket.emitWithAck('battle:create', { prompt: 'Find primes below 100' });
      if (!pending.ok) throw new Error(pending.error.message);
      await waitForFrame(voter, statusIs(pending.battleId, 'voting'));
      voter.socket.disconnect();
      await first.stop();

      const second = await startTestArena({ database: 'embedded', dir });
      const after = await getJson<BattleSnapshot>(`${second.url}/api/battles/${created.battleId}`);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ status: 'revealed', winner: 'model_a' });
      for (const side of ['a', 'b'] as const) {
        expect(after.body.turns[0]!.sides[side].text).toBe(before.turns[0]!.sides[side].text);
        expect(after.body.turns[0]!.sides[side].runs[0]?.output).toBe(before.turns[0]!.sides[side].runs[0]?.output);
      }
      const again = await connectClient(second.url, voter.voterId);
      const stranger = await connectClient(second.url);
      expect(
        await stranger.socket.emitWithAck('battle:vote', { battleId: pending.battleId, winner: 'tie' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'not_allowed' },
      });
      const late = await again.socket.emitWithAck('battle:vote', { battleId: pending.battleId, winner: 'tie' });
      expect(late.ok).toBe(true);
      const twice = await again.socket.emitWithAck('battle:vote', { battleId: pending.battleId, winner: 'tie' });
      expect(twice).toMatchObject({ ok: false, error: { code: 'already_voted' } });
      expect((await getJson<BattleSnapshot>(`${second.url}/api/battles/${pending.battleId}`)).body).toMatchObject({
        status: 'revealed',
        winner: 'tie',
      });
      again.socket.disconnect();
      stranger.socket.disconnect();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes streamed text to the database while it streams, not only at the end', async () => {
    const arena = await startTestArena({
      database: 'embedded',
      models: [
        { id: 'slow-a', name: 'Slow A', provider: 'demo', style: 'typescript', tokensPerSecond: 40 },
        { id: 'slow-b', name: 'Slow B', provider: 'demo', style: 'javascript', tokensPerSecond: 40 },
      ],
    });
    try {
      const voter = await connectClient(arena.url);
      const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Print Fibonacci numbers' });
      if (!created.ok) throw new Error(created.error.message);
      const repo = arena.app.get(DataSource).getRepository(SideMessageEntity);
      await new Promise((r) => setTimeout(r, 1_500));
      const midway = await repo.findBy({ battleId: created.battleId });
      expect(voter.frames.some((f) => f.event === 'gen:end')).toBe(false);
      for (const m of midway) {
        expect(m.finishReason).toBeNull();
        expect(m.text.length).toBeGreaterThan(0);
      }
      voter.socket.disconnect();
    } finally {
      await arena.stop();
    }
  });

  it('marks battles a dead process left in progress as failed, and leaves recent ones alone', async () => {
    const arena = await startTestArena({ database: 'postgres' });
    try {
      const dataSource = arena.app.get(DataSource);
      const insert = (id: string, age: string) =>
        dataSource.query(
          `INSERT INTO battles (id, status, model_a_id, model_b_id, creator_voter_id, anony, created_at)
           VALUES ($1, 'generating', 'demo-atlas', 'demo-breeze', 'voter-x', true, now() - $2::interval)`,
          [id, age],
        );
      await insert('00000000-0000-4000-8000-00000000000a', '1 day');
      await insert('00000000-0000-4000-8000-00000000000b', '5 seconds');
      expect(await arena.app.get(AbandonedBattles).sweep()).toBe(1);
      const rows = await dataSource.query<{ id: string; status: string }[]>(
        'SELECT id, status FROM battles ORDER BY id',
      );
      expect(rows.map((r) => r.status)).toEqual(['failed', 'generating']);
    } finally {
      await arena.stop();
    }
  });
});
