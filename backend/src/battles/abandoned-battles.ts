import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { BattleRegistry } from './battle-registry.js';
import { BattlesRepository } from './battles.repository.js';

const SWEEP_EVERY_MS = 60_000;
/**
 * A battle younger than this is left alone: the process that created it may not have put it in its memory
 * yet (it is written before it is registered). Also the gap between the two sightings a cluster needs.
 */
export const SETTLE_GUARD_MS = 15_000;
/** Shown with an answer whose process died while writing it. */
export const STOPPED_ANSWER = 'the server stopped while this answer was being written';
const STOPPED_RUN = 'the server stopped while this code was running';
const STOPPED_DETAIL = 'the process writing it stopped (killed or crashed); settled by a later process';
/** Questions to the other processes at once. */
const ASK_AT_ONCE = 4;

export interface SweepOptions {
  /** Battles younger than this are left alone (default `SETTLE_GUARD_MS`). */
  guardMs?: number;
  /** In a cluster, how long before a battle nobody holds is settled, at a second sighting (default `SETTLE_GUARD_MS`). */
  confirmMs?: number;
}

/**
 * Battles a process left `generating` or `running` when it died (a `kill -9`, a crash), so that they do not
 * stay unvotable. A battle no live process holds is settled (see `BattlesRepository.settleStopped`): what was
 * written is kept, an unfinished answer ends with a neutral error, and the battle opens for its vote (or
 * fails when nothing was written). Who holds a battle: this process's registry; with Redis, the others are
 * asked (`ClusterBus.watchRemote`); without Redis this process is the only one.
 *
 * Alone, every open battle at start is a dead process's, whatever its age, so they are settled before the
 * server takes battles. In a cluster the others cannot answer until the bus knows them, and a process that
 * has just died is still expected to answer for a few seconds (and everyone's answer is lost until then), so
 * a battle is settled only when nobody held it at two sightings `SETTLE_GUARD_MS` apart, the first one
 * `SETTLE_GUARD_MS` after start. The old rule stays as a backstop for a battle a live process holds too long:
 * nothing is still in progress once the longest generation and both runs would have ended, so those are
 * marked `failed`. Swept every minute.
 */
@Injectable()
export class AbandonedBattles implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger(AbandonedBattles.name);
  private sweeper?: NodeJS.Timeout;
  private confirmer?: NodeJS.Timeout;
  /** In a cluster: battles nobody held at the last sighting, and when that was. */
  private unheld = new Map<string, number>();
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
    @Inject(DomainEvents) private readonly events: DomainEvents,
  ) {}

  private get clustered(): boolean {
    return !!this.config.redisUrl;
  }

  /**
   * Settle the battles no live process holds (created more than `guardMs` ago; in a cluster, seen unheld
   * `confirmMs` ago already), then mark `failed` those past the backstop's age. Returns how many battles were
   * settled or failed. One sweep at a time.
   */
  sweep(options: SweepOptions = {}): Promise<number> {
    this.sweeping ??= this.sweepOnce({ guardMs: SETTLE_GUARD_MS, confirmMs: SETTLE_GUARD_MS, ...options }).finally(
      () => {
        this.sweeping = undefined;
      },
    );
    return this.sweeping;
  }

  private async sweepOnce(options: Required<SweepOptions>): Promise<number> {
    const settled = await this.settleUnheld(options);
    return settled + (await this.failOld());
  }

  /**
   * The backstop: no battle can still be in progress once the longest generation and both runs would have
   * ended. Not those waiting for their second sighting: they are settled then, with what they wrote.
   */
  private async failOld(): Promise<number> {
    const limitMs = this.config.generation.timeoutMs + 2 * this.config.runLimits.wallMs + 60_000;
    const failed = await new BattlesRepository(this.dataSource.manager).failAbandoned(limitMs, [...this.unheld.keys()]);
    if (failed) this.logger.warn({ battles: failed }, 'battles abandoned by a stopped process marked failed');
    return failed;
  }

  private async settleUnheld({ guardMs, confirmMs }: Required<SweepOptions>): Promise<number> {
    // Until the gateway binds the bus, a question to the others is answered by nobody: that proves nothing.
    if (this.clustered && !this.cluster.enabled) return 0;
    const repository = new BattlesRepository(this.dataSource.manager);
    const open = (await repository.openBattles(guardMs)).filter((id) => !this.registry.get(id));
    const unheld: string[] = [];
    for (let i = 0; i < open.length; i += ASK_AT_ONCE) {
      const asked = open.slice(i, i + ASK_AT_ONCE);
      const held = await Promise.all(
        asked.map(async (id) => this.clustered && (await this.cluster.watchRemote(id, '')) !== null),
      );
      unheld.push(...asked.filter((_, j) => !held[j]));
    }
    const now = Date.now();
    const settle = this.clustered ? this.confirmed(unheld, now, confirmMs) : unheld;
    let settled = 0;
    for (const id of settle) {
      if (this.registry.get(id)) continue;
      const outcome = await repository.settleStopped(id, {
        answer: STOPPED_ANSWER,
        run: STOPPED_RUN,
        detail: STOPPED_DETAIL,
      });
      if (!outcome) continue;
      settled++;
      this.logger.warn({ battleId: id, ...outcome }, 'battle left in progress by a stopped process settled');
      if (outcome.runs > 0) await this.events.emit('battle.runs-changed', { battleId: id });
      await this.events.emit('turn.finished', { battleId: id, turn: outcome.turn, status: outcome.status });
    }
    return settled;
  }

  /**
   * Of the battles nobody holds now, those nobody held at a sighting at least `confirmMs` ago; the others are
   * remembered and looked at again once that has passed.
   */
  private confirmed(unheld: string[], now: number, confirmMs: number): string[] {
    const previous = this.unheld;
    this.unheld = new Map();
    const ready: string[] = [];
    for (const id of unheld) {
      const seen = previous.get(id);
      if (seen !== undefined && now - seen >= confirmMs) ready.push(id);
      else this.unheld.set(id, seen ?? now);
    }
    if (this.unheld.size > 0) this.schedule(confirmMs);
    return ready;
  }

  private schedule(delayMs: number): void {
    if (this.confirmer || this.stopped) return;
    this.confirmer = setTimeout(() => {
      this.confirmer = undefined;
      void this.safeSweep();
    }, delayMs);
    this.confirmer.unref();
  }

  private safeSweep(options: SweepOptions = {}): Promise<void> {
    return this.sweep(options).then(
      () => undefined,
      (err: unknown) => this.logger.warn({ err }, 'sweeping abandoned battles failed'),
    );
  }

  /**
   * Alone, the first sweep settles every open battle (nothing is this process's yet) before the server takes
   * battles; in a cluster the first sweep waits `SETTLE_GUARD_MS`, until the others can answer. Later sweeps
   * run every minute.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.clustered) this.schedule(SETTLE_GUARD_MS);
    else await this.safeSweep({ guardMs: 0 });
    this.sweeper = setInterval(() => void this.safeSweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    clearTimeout(this.confirmer);
    await this.sweeping?.catch(() => undefined);
  }
}
