import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { LiveBattle } from './live-battle.js';

/** How long a finished battle stays in memory for late spectators before snapshots come from the database. */
const RETAIN_FINISHED_MS = 10 * 60_000;

@Injectable()
export class BattleRegistry implements OnModuleDestroy {
  private readonly battles = new Map<string, LiveBattle>();
  private readonly evictions = new Map<string, NodeJS.Timeout>();

  add(battle: LiveBattle): void {
    this.battles.set(battle.id, battle);
  }

  get(id: string): LiveBattle | undefined {
    return this.battles.get(id);
  }

  all(): LiveBattle[] {
    return [...this.battles.values()];
  }

  /** Forget a battle that is over, after a grace period; `onEvict` drops what others keep for it. */
  retire(id: string, onEvict?: () => void): void {
    if (this.evictions.has(id)) return;
    const timer = setTimeout(() => {
      this.battles.delete(id);
      this.evictions.delete(id);
      onEvict?.();
    }, RETAIN_FINISHED_MS);
    timer.unref();
    this.evictions.set(id, timer);
  }

  onModuleDestroy(): void {
    for (const timer of this.evictions.values()) clearTimeout(timer);
  }
}
