import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { createDataSource } from './data-source.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

export const EMBEDDED_POSTGRES = Symbol('EMBEDDED_POSTGRES');
/** A dump an embedded database starts from (tests start many); null: a fresh one. */
export const EMBEDDED_TEMPLATE = Symbol('EMBEDDED_TEMPLATE');
export const DATABASE_KIND = Symbol('DATABASE_KIND');

@Global()
@Module({
  providers: [
    {
      provide: EMBEDDED_POSTGRES,
      inject: [ARENA_CONFIG, { token: EMBEDDED_TEMPLATE, optional: true }],
      useFactory: async (config: ArenaConfig, template: Blob | null | undefined): Promise<EmbeddedPostgres | null> =>
        config.databaseUrl ? null : EmbeddedPostgres.start(config.dataDir, template ?? undefined),
    },
    {
      provide: DATABASE_KIND,
      inject: [ARENA_CONFIG],
      useFactory: (config: ArenaConfig): 'postgres' | 'embedded' => (config.databaseUrl ? 'postgres' : 'embedded'),
    },
    {
      provide: DataSource,
      inject: [ARENA_CONFIG, EMBEDDED_POSTGRES],
      useFactory: async (config: ArenaConfig, embedded: EmbeddedPostgres | null): Promise<DataSource> => {
        const dataSource = createDataSource({ url: config.databaseUrl ?? embedded!.url, embedded: !!embedded });
        await dataSource.initialize();
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        createLogger('Database').info({ applied: applied.map((m) => m.name), embedded: !!embedded }, 'database ready');
        return dataSource;
      },
    },
  ],
  exports: [DataSource, EMBEDDED_POSTGRES, DATABASE_KIND],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(EMBEDDED_POSTGRES) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}
