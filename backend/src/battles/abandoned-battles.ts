import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { BattlesRepository } from './battles.repository.js';

const SWEEP_EVERY_MS = 60_000;

/**
 * Battles a process left `generating` or `running` when it died: no battle can still be in progress once
 * the longest generation and both runs would have ended, so those are marked `failed` — safe with several
 * processes on one database, since a live battle is never that old. Checked at start and every minute.
 */
@Injectable()
export class AbandonedBattles implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger(AbandonedBattles.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async sweep(): Promise<number> {
    const limitMs = this.config.generation.timeoutMs + 2 * this.config.runLimits.wallMs + 60_000;
    const failed = await new BattlesRepository(this.dataSource.manager).failAbandoned(limitMs);
    if (failed) this.logger.warn({ battles: failed }, 'battles abandoned by a stopped process marked failed');
    return failed;
  }

  /** The first sweep finishes before the server takes battles; later ones run every minute. */
  async onApplicationBootstrap(): Promise<void> {
    const sweep = (): Promise<void> =>
      this.sweep().then(
        () => undefined,
        (err: unknown) => this.logger.warn({ err }, 'sweeping abandoned battles failed'),
      );
    await sweep();
    this.sweeper = setInterval(() => void sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}
