import type { LeaderboardResponse } from '@arena/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  createAndVote,
  freshPostgres,
  getJson,
  startTestArena,
  type TestArena,
} from './support/test-arena.js';

/**
 * Holds the first read of every vote at boot: the facts it fills in join the code extractions, which a
 * transaction of the test holds exclusively (nothing else the arena does at start reads them, nor does the
 * snapshot's check). Released, the read goes on.
 */
async function holdFirstRead(url: string): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE code_extractions IN ACCESS EXCLUSIVE MODE');
  return {
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

describe('an arena restarted on its votes shows its last board while it reads them', () => {
  let database: Awaited<ReturnType<typeof freshPostgres>>;
  let arena: TestArena | undefined;
  // One PostgreSQL database the arena is restarted on (DATABASE_URL takes precedence over the embedded one).
  const env = () => ({
    DATABASE_URL: database.url,
    ARENA_LEADERBOARD_BOOTSTRAP: '20',
    ARENA_MIN_BATTLES: '0',
  });
  const board = async (query = ''): Promise<LeaderboardResponse> =>
    (await getJson<LeaderboardResponse>(`${arena!.url}/api/leaderboard${query}`)).body;

  beforeAll(async () => {
    database = await freshPostgres();
  });
  afterAll(async () => {
    await arena?.stop();
    await database?.drop();
  });

  it('serves the board last computed at once, then the one computed afresh from the same votes', async () => {
    arena = await startTestArena({ database: 'embedded', env: env() });
    const client = await connectClient(arena.url);
    for (const prompt of ['Print 1 to 3', 'Print a square', 'Sum 1..9']) await createAndVote(client, prompt);
    client.socket.disconnect();
    let last = await board();
    while (last.battles < 3) last = await board();
    const styled = await board('?style=on');
    await arena.stop();

    const held = await holdFirstRead(database.url);
    try {
      arena = await startTestArena({ database: 'embedded', env: env() });
      // The very boards shown before the restart (a board computed now would carry a later `updatedAt`).
      expect(await board()).toEqual(last);
      expect(await board('?style=on')).toEqual(styled);
    } finally {
      await held.release();
    }
    // Once every vote is read, boards are computed from them again: the same ratings, computed now.
    let fresh = await board();
    while (fresh.updatedAt === last.updatedAt) fresh = await board();
    expect(fresh.rows).toEqual(last.rows);
    expect(fresh.battles).toBe(3);
    await arena.stop();
    arena = undefined;
  });

  it('waits for the votes when something counted changed while it was down', async () => {
    // A vote another writer added (no facts yet), revealed before the last one the board counted.
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const [{ a, b }] = (
        await db.query<{ a: string; b: string }>('SELECT model_a_id AS a, model_b_id AS b FROM battles LIMIT 1')
      ).rows as [{ a: string; b: string }];
      await db.query(
        `INSERT INTO battles (id, status, model_a_id, model_b_id, creator_voter_id, winner, created_at, revealed_at)
         VALUES ('6a1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'revealed', $1, $2, 'elsewhere', 'model_b',
                 now() - interval '1 day', now() - interval '1 day')`,
        [a, b],
      );
      await db.query(
        `INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
         VALUES ('7b2e3d4c-5f6a-4b7c-9d8e-0f1a2b3c4d5e', '6a1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'elsewhere',
                 'model_b', now() - interval '1 day')`,
      );
    } finally {
      await db.end();
    }

    const held = await holdFirstRead(database.url);
    let first: Promise<LeaderboardResponse>;
    try {
      arena = await startTestArena({ database: 'embedded', env: env() });
      first = board();
    } finally {
      await held.release();
    }
    // Not the board last shown (3 battles, served at once if it were): the answer waited for the read, and
    // counts the vote added meanwhile.
    expect((await first).battles).toBe(4);
  });
});
