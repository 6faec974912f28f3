import { Inject, Injectable } from '@nestjs/common';
import { appendRunOutput, type PreviewLogInput } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { BattleRegistry } from './battle-registry.js';
import { BattlesRepository } from './battles.repository.js';
import { CreatorReports } from './creator-reports.js';

/**
 * `preview:log`: the console of a web preview, as the browser that renders it reports it. Every watcher
 * renders the same page, but only the battle's creator reports (a spectator could not make up output for
 * it), and only from the first of the creator's sockets that does; the output cap of a server-side run
 * applies. Lines join the run's output stream and its stored stdout/stderr.
 */
@Injectable()
export class PreviewLogsService {
  /** Per previewed run: how many bytes of console it has reported. */
  private readonly reports: CreatorReports<{ bytes: number }>;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) registry: BattleRegistry,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(DomainEvents) private readonly events: DomainEvents,
  ) {
    this.reports = new CreatorReports(registry, () => ({ bytes: 0 }));
  }

  /** Returns whether the lines were taken. */
  async report(voterId: string, socketId: string, input: PreviewLogInput): Promise<boolean> {
    const report = this.reports.admit(voterId, socketId, input);
    if (!report) return false;
    const { live, run, side, budget } = report;
    const cap = this.config.runLimits.outputBytes;
    let stdout = '';
    let stderr = '';
    for (const entry of input.entries) {
      const prefix = entry.level === 'uncaught' ? 'Uncaught ' : '';
      const text = `${prefix}${entry.text}\n`;
      const bytes = Buffer.byteLength(text);
      if (budget.bytes + bytes > cap) {
        if (budget.bytes < cap) stderr += '[preview] console output limit reached\n';
        budget.bytes = cap;
        break;
      }
      budget.bytes += bytes;
      if (entry.level === 'log' || entry.level === 'info' || entry.level === 'debug') stdout += text;
      else stderr += text;
    }
    for (const [stream, data] of [
      ['stdout', stdout],
      ['stderr', stderr],
    ] as const) {
      if (!data) continue;
      appendRunOutput(run, stream, data);
      run.seq += 1;
      this.emitter.toBattle(live.id, 'run:output', {
        battleId: live.id,
        runId: input.runId,
        side,
        stream,
        seq: run.seq,
        data,
        t: Date.now(),
      });
    }
    if (stdout || stderr) {
      await new BattlesRepository(this.dataSource.manager).appendExecutionOutput(
        input.runId,
        stdout,
        stderr,
        run.stderr,
      );
      await this.events.emit('battle.runs-changed', { battleId: live.id });
    }
    return true;
  }

  /** How many runs' reports are being kept (for tests of the bound). */
  get tracked(): number {
    return this.reports.tracked;
  }
}
