import type { ArenaConfig } from '../config/config.js';
import { createDataSource } from '../database/data-source.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';

/**
 * Run `fn` on the arena's database (`DATABASE_URL`, else the embedded one in the data directory), migrated
 * first; the connection (and the embedded server) is closed afterwards, whatever `fn` did.
 */
export async function withDatabase<T>(
  config: ArenaConfig,
  fn: (ds: ReturnType<typeof createDataSource>) => Promise<T>,
): Promise<T> {
  const embedded = config.databaseUrl ? undefined : await EmbeddedPostgres.start(config.dataDir);
  const dataSource = createDataSource({ url: config.databaseUrl ?? embedded!.url, embedded: !!embedded });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    return await fn(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}
