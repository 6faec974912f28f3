import { Inject, Injectable } from '@nestjs/common';
import type { PreviewInteractionInput } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { BattleRegistry } from './battle-registry.js';
import { CreatorReports } from './creator-reports.js';

/** Events kept per run: a few minutes of a person playing with a page, not a keylogger's archive. */
export const INTERACTIONS_PER_RUN = 1_000;

/**
 * `preview:interaction`: what the battle's creator did inside a rendered run (BigCodeArena's interaction
 * records), as the browser that renders it reports it. Only the creator's reports count, from the first of
 * the creator's sockets that reports; capped per run; stored, sent to nobody, exported once the vote is in.
 */
@Injectable()
export class PreviewInteractionsService {
  /** Per rendered run: how many events were kept. */
  private readonly reports: CreatorReports<{ count: number }>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) registry: BattleRegistry,
  ) {
    this.reports = new CreatorReports(registry, () => ({ count: 0 }));
  }

  /** Returns whether the events were taken (all, or as many as the cap left room for). */
  async report(voterId: string, socketId: string, input: PreviewInteractionInput): Promise<boolean> {
    const report = this.reports.admit(voterId, socketId, input);
    if (!report) return false;
    const { budget } = report;
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
