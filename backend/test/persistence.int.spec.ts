import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BattleSnapshot } from '@arena/contracts';
import { describe, expect, it } from 'vitest';
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
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
