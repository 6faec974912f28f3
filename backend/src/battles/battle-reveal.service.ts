import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ModelRef, Winner } from '@arena/contracts';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { BattleRegistry, RETAIN_FINISHED_MS } from './battle-registry.js';

export interface Reveal {
  battleId: string;
  models: { a: ModelRef; b: ModelRef };
  /** null when a session's vote closed without a single vote. */
  winner: Winner | null;
  sessionId: string | null;
}

/**
 * What happens once a battle's reveal is committed, the same for a standalone vote and a session's close:
 * the copy in memory follows (here and on the process that runs the battle), the features that keep
 * something of revealed battles hear of it, and everyone watching learns the models.
 */
@Injectable()
export class BattleRevealService implements OnModuleInit {
  private readonly logger = createLogger(BattleRevealService.name);

  constructor(
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
    @Inject(DomainEvents) private readonly events: DomainEvents,
  ) {}

  onModuleInit(): void {
    // Revealed on another process (the voter or the host is connected there): the battle held here follows.
    this.cluster.on('arena:revealed', ({ battleId, winner }) => this.follow(battleId, winner));
  }

  async announce(reveal: Reveal): Promise<void> {
    const { battleId, models, winner, sessionId } = reveal;
    this.follow(battleId, winner);
    this.cluster.revealed(battleId, winner);
    await this.events.emit('battle.revealed', reveal);
    this.emitter.toBattle(battleId, 'battle:status', { battleId, status: 'revealed' });
    this.emitter.toBattle(battleId, 'battle:revealed', {
      battleId,
      models,
      ...(sessionId ? { sessionId } : {}),
      ...(winner ? { winner } : {}),
    });
    this.logger.info({ battleId, sessionId, winner }, 'battle revealed');
  }

  /** The battle held in memory here, if any, is revealed as the database says. */
  private follow(battleId: string, winner: Winner | null): void {
    const live = this.registry.get(battleId);
    if (!live || live.status === 'revealed') return;
    live.status = 'revealed';
    live.winner = winner ?? undefined;
    this.registry.retire(battleId, RETAIN_FINISHED_MS);
  }
}
