/**
 * `npm run migration:generate -- Name`: writes a migration with what the schema lacks against the
 * entities, as TypeORM's `migration:generate` does, against DATABASE_URL or a throw-away embedded database.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDataSource } from './data-source.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { pendingSchemaChanges } from './schema-drift.js';

const name = process.argv[2];
if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
  process.stderr.write('usage: npm run migration:generate -- PascalCaseName\n');
  process.exit(2);
}
const embedded = process.env['DATABASE_URL']
  ? undefined
  : await EmbeddedPostgres.start(await mkdtemp(path.join(os.tmpdir(), 'arena-gen-')));
const dataSource = createDataSource({ url: process.env['DATABASE_URL'] ?? embedded!.url, embedded: !!embedded });
await dataSource.initialize();
await dataSource.runMigrations();
const { up, down } = await pendingSchemaChanges(dataSource);
await dataSource.destroy();
await embedded?.stop();
if (up.length === 0) {
  process.stdout.write('no changes: entities and migrations agree\n');
  process.exit(0);
}
const timestamp = Date.now();
const className = `${name}${timestamp}`;
const q = (sql: string): string => `    await queryRunner.query(${JSON.stringify(sql)});`;
const source = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${up.map(q).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${down.map(q).join('\n')}
  }
}
`;
const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.resolve(here, '../../src/database/migrations', `${timestamp}-${name}.ts`);
await writeFile(file, source);
process.stdout.write(`wrote ${file}; add ${className} to migrations/index.ts\n`);
