import { Inject, Injectable } from '@nestjs/common';
import { ArenaError, type PreviewInteractionInput } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { BattleRegistry } from './battle-registry.js';

/** Events kept per run: a few minutes of a person playing with a page, not a keylogger's archive. */
export const INTERACTIONS_PER_RUN = 1_000;

/**
 * `preview:interaction`: what the battle's creator did inside a rendered run (BigCodeArena's interaction
 * records), as the browser that renders it reports it. Only the creator's reports count, from the first of
 * the creator's sockets that reports; capped per run; stored, sent to nobody, exported once the vote is in.
 */
@Injectable()
export class PreviewInteractionsService {
  /** Per rendered run: its battle, which socket reports, and how many events were kept. */
  private readonly budgets = new Map<string, { battleId: string; reporter: string; count: number }>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
  ) {
    registry.onEvict((battleId) => {
      for (const [runId, budget] of this.budgets) if (budget.battleId === battleId) this.budgets.delete(runId);
    });
  }

  /** Returns whether the events were taken (all, or as many as the cap left room for). */
  async report(voterId: string, socketId: string, input: PreviewInteractionInput): Promise<boolean> {
    const live = this.registry.get(input.battleId);
    if (!live) throw new ArenaError('not_found', 'that battle is not live any more');
    const run = live.turns
      .flatMap((t) => [t.sides.a, t.sides.b])
      .flatMap((s) => s.runs)
      .find((r) => r.runId === input.runId);
    if (!run) throw new ArenaError('not_found', 'no such run in this battle');
    if (!run.preview) throw new ArenaError('not_allowed', 'that run rendered nothing');
    if (voterId !== live.creatorVoterId) return false;
    const budget = this.budgets.get(input.runId) ?? { battleId: live.id, reporter: socketId, count: 0 };
    this.budgets.set(input.runId, budget);
    if (budget.reporter !== socketId) return false;
    const events = input.events.slice(0, Math.max(0, INTERACTIONS_PER_RUN - budget.count));
    if (events.length === 0) return false;
    budget.count += events.length;
    // One row per run; the cap holds in the database too (several processes, a reload).
    await this.dataSource.query(
      `INSERT INTO run_interactions (run_id, events, count) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (run_id) DO UPDATE SET events = run_interactions.events || EXCLUDED.events,
              count = run_interactions.count + EXCLUDED.count
        WHERE run_interactions.count + EXCLUDED.count <= ${INTERACTIONS_PER_RUN}`,
      [input.runId, JSON.stringify(events), events.length],
    );
    return true;
  }
}
