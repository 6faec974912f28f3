import { Injectable } from '@nestjs/common';
import type { BattleStatus, Environment, ModelRef, RunStatus, Side, Winner } from '@arena/contracts';
import { createLogger } from '../logging/logger.js';

/**
 * What happens to battles, as the features around them hear of it (in this process). The battle code
 * emits; judges, data-set export parts, the leaderboard and metrics subscribe, so none of them is called
 * by the battle code and none of them imports it back. Name → payload, typed end to end.
 */
export interface DomainEventMap {
  /** A battle was persisted between two drawn models. */
  'battle.created': { battleId: string; models: { a: ModelRef; b: ModelRef }; sessionId: string | null };
  /** One side's answer ended (whatever the reason). */
  'generation.finished': {
    battleId: string;
    turn: number;
    side: Side;
    finishReason: 'stop' | 'length' | 'error' | 'cancelled';
    ms: number;
    firstTokenMs?: number;
  };
  /** A run ended and its result is stored. */
  'run.finished': {
    battleId: string;
    runId: string;
    side: Side;
    environment: Environment;
    runner: string;
    status: RunStatus;
    durationMs: number;
  };
  /**
   * What a battle recorded of its runs changed after it was first stored (a run ended, a re-run, a preview's
   * console): whatever was derived from them is stale.
   */
  'battle.runs-changed': { battleId: string };
  /** Both sides of a turn finished generating and running; the battle's status says whether it can be voted on. */
  'turn.finished': { battleId: string; turn: number; status: BattleStatus };
  /** A vote row was committed (a standalone vote, or one participant's vote in a session). */
  'vote.committed': { battleId: string; winner: Winner; sessionId: string | null };
  /** The battle's vote closed and its models are public; `winner` null when a session closed with no vote. */
  'battle.revealed': {
    battleId: string;
    models: { a: ModelRef; b: ModelRef };
    winner: Winner | null;
    sessionId: string | null;
  };
  /** An operator hid the battle: whatever counted it (the leaderboard's cache) counts it no more. */
  'battle.hidden': { battleId: string };
  'battle.shown': { battleId: string };
  /** An operator banned a voter: whatever counted their votes counts them no more. */
  'voter.banned': { voterHash: string };
  'voter.unbanned': { voterHash: string };
}

export type DomainEventName = keyof DomainEventMap;
export type DomainListener<E extends DomainEventName> = (payload: DomainEventMap[E]) => void | Promise<void>;

/**
 * The in-process event bus (immich's EventRepository, minus its cross-server part: what other processes
 * must hear goes over the ClusterBus). `emit` resolves once every listener has; a listener that throws is
 * logged and never fails the emitter or the other listeners, so one feature's failure stays its own.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = createLogger(DomainEvents.name);
  private readonly listeners = new Map<DomainEventName, DomainListener<never>[]>();

  /** Subscribe; returns the way to unsubscribe. */
  on<E extends DomainEventName>(event: E, listener: DomainListener<E>): () => void {
    const list = (this.listeners.get(event) ?? []) as DomainListener<E>[];
    list.push(listener);
    this.listeners.set(event, list);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  async emit<E extends DomainEventName>(event: E, payload: DomainEventMap[E]): Promise<void> {
    const list = (this.listeners.get(event) ?? []) as DomainListener<E>[];
    if (list.length === 0) return;
    await Promise.all(
      [...list].map(async (listener) => {
        try {
          await listener(payload);
        } catch (err) {
          this.logger.error({ err, event }, 'a listener of a domain event failed');
        }
      }),
    );
  }
}
