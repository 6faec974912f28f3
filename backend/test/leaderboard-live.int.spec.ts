import type { LeaderboardResponse } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, createAndVote, getJson, startTestArena, type TestArena } from './support/test-arena.js';

const TOKEN = 'admin-token-live-board-5c2e';

describe('the live board keeps the votes it has read', () => {
  let arena: TestArena;
  let client: Awaited<ReturnType<typeof connectClient>>;
  const board = async (): Promise<LeaderboardResponse> =>
    (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
  const admin = (method: string, route: string) =>
    fetch(`${arena.url}${route}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });

  beforeAll(async () => {
    arena = await startTestArena({
      database: 'postgres',
      env: { ARENA_ADMIN_TOKEN: TOKEN, ARENA_LEADERBOARD_BOOTSTRAP: '0', ARENA_MIN_BATTLES: '0' },
    });
    client = await connectClient(arena.url);
  });
  afterAll(async () => {
    client?.socket.disconnect();
    await arena?.stop();
  });

  it('drops a hidden battle from the next board without reading every vote again', async () => {
    const battles = [
      await createAndVote(client, 'Print 1 to 3'),
      await createAndVote(client, 'Print a square'),
      await createAndVote(client, 'Sum 1..9'),
    ];
    expect((await board()).battles).toBe(3);
    // A vote the incremental reads pass over (revealed before where reading stopped): only a full read of
    // every vote would count it.
    const db = arena.app.get(DataSource);
    const [a, b] = (await board()).rows.map((r) => r.model);
    await db.query(
      `INSERT INTO battles (id, status, model_a_id, model_b_id, creator_voter_id, winner, created_at, revealed_at)
       VALUES ('5d0c1c6e-8f43-4a5e-9b41-3f0f6b0c2d11', 'revealed', $1, $2, 'elsewhere', 'model_b', now() - interval '1 day', now() - interval '1 day')`,
      [a, b],
    );
    await db.query(
      `INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
       VALUES ('0b6f6a8e-27d4-4f0c-8d1e-4b1a2c3d4e5f', '5d0c1c6e-8f43-4a5e-9b41-3f0f6b0c2d11', 'elsewhere', 'model_b', now() - interval '1 day')`,
    );

    expect((await admin('POST', `/api/admin/battles/${battles[1]}/hide`)).status).toBe(200);
    const hidden = await board();
    expect(hidden.battles).toBe(2);

    // Showing it again reads every vote (the votes come back in their place): the one written past the
    // reads counts then too.
    expect((await admin('DELETE', `/api/admin/battles/${battles[1]}/hide`)).status).toBe(200);
    expect((await board()).battles).toBe(4);
  });
});
