import { ArenaError, SIDES, type RunState, type Side } from '@arena/contracts';
import type { BattleRegistry } from './battle-registry.js';
import type { LiveBattle } from './live-battle.js';

/** A report's run, and what this report may still add to it. */
export interface CreatorReport<T> {
  live: LiveBattle;
  run: RunState;
  side: Side;
  budget: T;
}

/**
 * What browsers report about a rendered run (`preview:log`, `preview:interaction`): every watcher renders the
 * same page, but only the battle's creator reports (a spectator could not make up what happened in it), and
 * only from the first of the creator's sockets that does. Keeps a budget per run, which ends with the battle's
 * life in memory.
 */
export class CreatorReports<T> {
  private readonly budgets = new Map<string, { battleId: string; reporter: string; budget: T }>();

  constructor(
    private readonly registry: BattleRegistry,
    private readonly fresh: () => T,
  ) {
    registry.onEvict((battleId) => {
      for (const [runId, entry] of this.budgets) if (entry.battleId === battleId) this.budgets.delete(runId);
    });
  }

  /**
   * The run a report is about and its budget, or undefined when the report does not count (not the creator,
   * or another of the creator's sockets). Throws `not_found` for a battle no longer live or a run not in it,
   * `not_allowed` for a run that rendered nothing.
   */
  admit(voterId: string, socketId: string, input: { battleId: string; runId: string }): CreatorReport<T> | undefined {
    const live = this.registry.get(input.battleId);
    if (!live) throw new ArenaError('not_found', 'that battle is not live any more');
    let found: { run: RunState; side: Side } | undefined;
    for (const turn of live.turns)
      for (const side of SIDES) {
        const run = turn.sides[side].runs.find((r) => r.runId === input.runId);
        if (run) found = { run, side };
      }
    if (!found) throw new ArenaError('not_found', 'no such run in this battle');
    if (!found.run.preview) throw new ArenaError('not_allowed', 'that run rendered nothing');
    if (voterId !== live.creatorVoterId) return undefined;
    const entry = this.budgets.get(input.runId) ?? { battleId: live.id, reporter: socketId, budget: this.fresh() };
    this.budgets.set(input.runId, entry);
    if (entry.reporter !== socketId) return undefined;
    return { live, ...found, budget: entry.budget };
  }

  /** How many runs' reports are being kept (for tests of the bound). */
  get tracked(): number {
    return this.budgets.size;
  }
}
