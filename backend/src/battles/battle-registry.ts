import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { LiveBattle } from './live-battle.js';

/** How long a revealed or failed battle stays in memory for late spectators before snapshots come from the database. */
export const RETAIN_FINISHED_MS = 10 * 60_000;
/** How long a battle waiting for its vote stays in memory; after that its vote is taken from the database row. */
export const RETAIN_UNVOTED_MS = 30 * 60_000;

/** Battles held in memory while they are live, and for a while after, so memory stays bounded. */
@Injectable()
export class BattleRegistry implements OnModuleDestroy {
  private readonly battles = new Map<string, LiveBattle>();
  private readonly evictions = new Map<string, NodeJS.Timeout>();
  private readonly evictListeners: ((id: string) => void)[] = [];

  add(battle: LiveBattle): void {
    this.battles.set(battle.id, battle);
  }

  get(id: string): LiveBattle | undefined {
    return this.battles.get(id);
  }

  all(): LiveBattle[] {
    return [...this.battles.values()];
  }

  /** Be told when a battle leaves memory (to drop what is kept beside it). */
  onEvict(listener: (id: string) => void): void {
    this.evictListeners.push(listener);
  }

  /** Keep a battle in memory until it is retired again (a follow-up made it live again). */
  keep(id: string): void {
    clearTimeout(this.evictions.get(id));
    this.evictions.delete(id);
  }

  /** Forget a battle after `graceMs`; a later call replaces the earlier schedule. */
  retire(id: string, graceMs: number): void {
    clearTimeout(this.evictions.get(id));
    const timer = setTimeout(() => {
      this.battles.delete(id);
      this.evictions.delete(id);
      for (const listener of this.evictListeners) listener(id);
    }, graceMs);
    timer.unref();
    this.evictions.set(id, timer);
  }

  onModuleDestroy(): void {
    for (const timer of this.evictions.values()) clearTimeout(timer);
  }
}
