import { Inject, Injectable } from '@nestjs/common';
import type { BattleStatus } from '@arena/contracts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DomainEvents } from '../events/domain-events.js';

/** The statuses of the battles this process holds in memory, read when the live-battle gauge is scraped. */
export const LIVE_BATTLE_STATUSES = Symbol('LIVE_BATTLE_STATUSES');
export type LiveBattleStatuses = () => Iterable<BattleStatus>;

/** Prometheus metrics for operators. No label carries a battle, a voter or a model. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly battlesCreated = new Counter({
    name: 'arena_battles_created_total',
    help: 'Battles started',
    registers: [this.registry],
  });
  readonly votes = new Counter({
    name: 'arena_votes_total',
    help: 'Votes recorded, by outcome',
    labelNames: ['winner'] as const,
    registers: [this.registry],
  });
  readonly generations = new Counter({
    name: 'arena_generations_total',
    help: 'Model answers finished, by finish reason',
    labelNames: ['finish_reason'] as const,
    registers: [this.registry],
  });
  readonly firstToken = new Histogram({
    name: 'arena_generation_first_token_seconds',
    help: 'Time from the start of a generation to its first token',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly generationSeconds = new Histogram({
    name: 'arena_generation_seconds',
    help: 'Duration of a whole answer',
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly runs = new Counter({
    name: 'arena_sandbox_runs_total',
    help: 'Code runs, by environment, runner and status',
    labelNames: ['environment', 'runner', 'status'] as const,
    registers: [this.registry],
  });
  readonly runSeconds = new Histogram({
    name: 'arena_sandbox_run_seconds',
    help: 'Wall-clock duration of a code run',
    labelNames: ['runner'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly judgements = new Counter({
    name: 'arena_judgements_total',
    help: 'Judge calls, by judge, mode and outcome (ok, unparseable, failed)',
    labelNames: ['judge', 'mode', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly sessionBattles = new Counter({
    name: 'arena_session_battles_total',
    help: 'Battles started in voting sessions',
    registers: [this.registry],
  });
  readonly laggingSockets = new Counter({
    name: 'arena_socket_lagging_total',
    help: 'Times a client fell behind: its frames were paused and it got a snapshot once it caught up',
    registers: [this.registry],
  });
  readonly datasetExports = new Counter({
    name: 'arena_dataset_exports_total',
    help: 'Data-set downloads, by data set, format, encoding (gzip or identity) and outcome (completed, abandoned by the client, failed)',
    labelNames: ['dataset', 'format', 'encoding', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'arena_rate_limited_total',
    help: 'Requests refused by a rate limit, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly sockets = new Gauge({
    name: 'arena_socket_connections',
    help: 'Connected socket.io clients',
    registers: [this.registry],
  });

  constructor(
    @Inject(DomainEvents) events: DomainEvents,
    @Inject(LIVE_BATTLE_STATUSES) liveStatuses: LiveBattleStatuses,
  ) {
    events.on('battle.created', () => this.battlesCreated.inc());
    events.on('generation.finished', ({ finishReason, ms, firstTokenMs }) => {
      this.generations.inc({ finish_reason: finishReason });
      this.generationSeconds.observe(ms / 1000);
      if (firstTokenMs !== undefined) this.firstToken.observe(firstTokenMs / 1000);
    });
    events.on('run.finished', ({ environment, runner, status, durationMs }) => {
      this.runs.inc({ environment, runner, status });
      this.runSeconds.observe({ runner }, durationMs / 1000);
    });
    events.on('vote.committed', ({ winner }) => this.votes.inc({ winner }));
    new Gauge({
      name: 'arena_live_battles',
      help: 'Battles held in memory, by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of liveStatuses()) this.inc({ status });
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'arena_process_' });
  }
}
