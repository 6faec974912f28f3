import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBinaryRows } from '../src/database/binary-copy.js';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { DATABASES, POSTGRES_ADMIN_URL } from './support/test-arena.js';

for (const database of DATABASES) {
  describe(`binary COPY failures (${database})`, () => {
    let client: pg.Client;
    let embedded: EmbeddedPostgres | undefined;
    let dir: string | undefined;

    beforeAll(async () => {
      if (database === 'embedded') {
        dir = await mkdtemp(path.join(os.tmpdir(), 'arena-copy-'));
        embedded = await EmbeddedPostgres.start(dir);
      }
      client = new pg.Client({ connectionString: embedded?.url ?? POSTGRES_ADMIN_URL });
      await client.connect();
    });

    afterAll(async () => {
      await client?.end();
      await embedded?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('a COPY that fails before its first row rejects, and the client answers its next query', async () => {
      await expect(
        copyBinaryRows(client, `SELECT 'a' WHERE now() < ${pg.escapeLiteral('0000-01-01')}::timestamptz`),
      ).rejects.toThrow(/out of range/);
      await expect(copyBinaryRows(client, 'SELECT no_such_column FROM pg_class')).rejects.toThrow(/no_such_column/);
      expect((await client.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    });

    it('a COPY that fails after rows were sent rejects, and the client answers its next query', async () => {
      // Rows go out as they are made: thousands are sent before the division by zero.
      const failing = copyBinaryRows(
        client,
        `SELECT CASE WHEN g < 50000 THEN repeat('x', 100) ELSE (1 / (g - g))::text END FROM generate_series(1, 60000) g`,
      );
      await expect(failing).rejects.toThrow(/division by zero/);
      const rows = await copyBinaryRows(client, 'SELECT g FROM generate_series(1, 3) g');
      expect(rows.count).toBe(3);
    });
  });
}
