import pg from 'pg';

/**
 * What reading a data set asks of the database: plain queries (rows back) and a connection of its own for a
 * page's binary COPY. TypeORM's `DataSource` is one; an export worker's own pool (`poolDatasetDb`) another.
 */
export interface DatasetDb {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
  createQueryRunner(): { connect(): Promise<unknown>; release(): Promise<void> };
}

/** A `DatasetDb` over a `pg` pool (an export worker's, off the server's event loop). */
export function poolDatasetDb(pool: pg.Pool): DatasetDb {
  return {
    async query<T>(sql: string, parameters?: unknown[]): Promise<T> {
      return (await pool.query(sql, parameters)).rows as T;
    },
    createQueryRunner() {
      let client: pg.PoolClient | undefined;
      return {
        async connect(): Promise<pg.PoolClient> {
          client = await pool.connect();
          return client;
        },
        async release(): Promise<void> {
          client?.release();
          client = undefined;
        },
      };
    },
  };
}
