import type { DataSource } from 'typeorm';

/** The SQL TypeORM would still need to make the schema match the entities: empty when they agree. */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<{ up: string[]; down: string[] }> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return {
    up: log.upQueries.map((query) => query.query),
    down: log.downQueries.map((query) => query.query).reverse(),
  };
}
