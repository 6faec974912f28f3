import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDataSource } from '../src/database/data-source.js';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { pendingSchemaChanges } from '../src/database/schema-drift.js';
import { DATABASES, freshPostgres } from './support/test-arena.js';

describe.each(DATABASES)('migrations on %s', (database) => {
  it('bring an empty database to exactly the schema the entities describe, and revert cleanly', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-mig-'));
    const embedded = database === 'embedded' ? await EmbeddedPostgres.start(dir) : undefined;
    const postgres = database === 'postgres' ? await freshPostgres() : undefined;
    const dataSource = createDataSource({ url: embedded?.url ?? postgres!.url, embedded: !!embedded });
    try {
      await dataSource.initialize();
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied.length).toBeGreaterThan(0);
      // Same check as `migration:generate`: it must find nothing to write.
      expect((await pendingSchemaChanges(dataSource)).up).toEqual([]);
      for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      const tables = await dataSource.query<unknown[]>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(tables).toEqual([]);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
