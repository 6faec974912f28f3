import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  judgeBattleByExecution,
  judgeOnce,
  JudgeOutputError,
  type BattleForJudging,
  type CompleteFn,
  type JudgeMode,
  type JudgeOrder,
} from '@arena/judge';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { DomainEvents } from '../events/domain-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { JudgementsRepository, type NewJudgement } from './judgements.repository.js';
import { judgingMaterial } from './judging-material.js';
import { RunScreenshotsService } from '../screenshots/run-screenshots.service.js';
import { DEFAULT_JUDGES, judgeCompleter, loadJudgesFile, type JudgeSpec } from './judges-file.js';

interface Material {
  battle: BattleForJudging;
  /** The battle's last turn when the material was read. */
  turn: number;
  /** `judge|mode|order` of the verdicts already stored. */
  done: Set<string>;
}

interface Task {
  battleId: string;
  judge: JudgeSpec;
  mode: JudgeMode;
  order: JudgeOrder;
}

/** Battles judged at start-up that finished while the arena was down (or before a judge was added). */
const CATCH_UP_LIMIT = 10_000;

/**
 * Judges finished battles in the background: every configured judge, in each of its modes, in both orders
 * (the execution judge is symmetric and runs once). Bounded concurrency, retries on unreadable verdicts,
 * a time-out per call; work that is already stored is never redone, so a restart resumes where it stopped.
 * Judgements are never sent to clients while a battle is live.
 */
@Injectable()
export class JudgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger(JudgeService.name);
  private judges: { spec: JudgeSpec; complete?: CompleteFn }[] = [];
  private readonly queue: Task[] = [];
  private readonly queued = new Set<string>();
  /** Per battle with queued tasks: how many remain, and its material once read. */
  private readonly materials = new Map<string, { remaining: number; promise?: Promise<Material | undefined> }>();
  /** Tasks running now (bounded by the concurrency). */
  private active = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly stopping = new AbortController();
  /** Battles whose conversation went past turn 0 while judged here: their latest turn. */
  private readonly latestTurn = new Map<string, number>();

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(DomainEvents) events: DomainEvents,
    @Inject(RunScreenshotsService) private readonly screenshots: RunScreenshotsService,
  ) {
    // Judged in the background once a battle can be voted on; no verdict is ever shown in the battle. A
    // follow-up turn makes what was judged stale: its verdicts go and the whole conversation is judged again.
    events.on('turn.finished', async ({ battleId, turn, status }) => {
      if (turn > 0) await this.restart(battleId, turn);
      if (status === 'voting') this.enqueue(battleId);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const specs = this.config.judges.file ? await loadJudgesFile(this.config.judges.file) : DEFAULT_JUDGES;
    this.judges = await Promise.all(
      specs.map(async (spec) => ({
        spec,
        ...(spec.provider === 'execution' ? {} : { complete: await judgeCompleter(spec) }),
      })),
    );
    this.logger.info({ judges: specs.map((s) => `${s.id} (${s.provider})`) }, 'judges loaded');
    void this.catchUp().catch((err: unknown) => this.logger.error({ err }, 'judging catch-up failed'));
  }

  judgeIds(): string[] {
    return this.judges.map((j) => j.spec.id);
  }

  /** Judge a battle that has finished generating and running. */
  enqueue(battleId: string): void {
    for (const { spec } of this.judges) {
      for (const mode of spec.modes) {
        for (const order of spec.provider === 'execution' ? (['ab'] as const) : (['ab', 'ba'] as const)) {
          const key = `${battleId}|${spec.id}|${mode}|${order}`;
          if (this.queued.has(key)) continue;
          this.queued.add(key);
          this.queue.push({ battleId, judge: spec, mode, order });
          const material = this.materials.get(battleId) ?? { remaining: 0 };
          material.remaining++;
          this.materials.set(battleId, material);
        }
      }
    }
    this.pump();
  }

  /** Forget what is queued of a battle and its stored verdicts; verdicts of earlier turns still running are dropped. */
  private async restart(battleId: string, turn: number): Promise<void> {
    this.latestTurn.set(battleId, turn);
    const stale = this.queue.filter((t) => t.battleId === battleId);
    this.queue.splice(0, this.queue.length, ...this.queue.filter((t) => t.battleId !== battleId));
    for (const task of stale) this.queued.delete(`${task.battleId}|${task.judge.id}|${task.mode}|${task.order}`);
    const material = this.materials.get(battleId);
    if (material) {
      material.remaining -= stale.length;
      delete material.promise;
      if (material.remaining <= 0) this.materials.delete(battleId);
    }
    await new JudgementsRepository(this.dataSource.manager).deleteFor(battleId);
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async catchUp(): Promise<void> {
    const wanted = this.judges.reduce(
      (n, { spec }) => n + spec.modes.length * (spec.provider === 'execution' ? 1 : 2),
      0,
    );
    if (wanted === 0) return;
    const ids = await new JudgementsRepository(this.dataSource.manager).underJudged(
      this.judgeIds(),
      wanted,
      CATCH_UP_LIMIT,
    );
    for (const id of ids) this.enqueue(id);
    if (ids.length) this.logger.info({ battles: ids.length }, 'judging battles left unjudged');
  }

  private pump(): void {
    this.prefetch();
    while (this.active < this.config.judges.concurrency && this.queue.length > 0 && !this.stopping.signal.aborted) {
      const task = this.queue.shift()!;
      this.active++;
      void this.perform(task).finally(() => {
        this.active--;
        this.finished(task.battleId);
        this.pump();
        this.queued.delete(`${task.battleId}|${task.judge.id}|${task.mode}|${task.order}`);
        if (this.active === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  private async perform(task: Task): Promise<void> {
    const where = { battleId: task.battleId, judge: task.judge.id, mode: task.mode, order: task.order };
    try {
      const loaded = await this.shared(task.battleId);
      if (!loaded || loaded.done.has(`${task.judge.id}|${task.mode}|${task.order}`)) return;
      const { battle } = loaded;
      if ((this.latestTurn.get(task.battleId) ?? 0) > loaded.turn) return;
      const judge = this.judges.find((j) => j.spec.id === task.judge.id)!;
      let row: NewJudgement;
      if (!judge.complete) {
        const started = performance.now();
        const j = judgeBattleByExecution(battle);
        row = {
          ...where,
          verdict: j.verdict,
          label: null,
          reasoning: j.reasoning,
          rawOutput: '',
          latencyMs: Math.round(performance.now() - started),
          attempts: 1,
          screenshots: 0,
        };
      } else {
        const timeout = AbortSignal.timeout(this.config.judges.timeoutMs);
        const j = await judgeOnce(judge.complete, battle, task.mode, task.order, {
          retries: task.judge.retries,
          signal: AbortSignal.any([timeout, this.stopping.signal]),
          vision: task.judge.vision,
        });
        row = {
          ...where,
          verdict: j.verdict,
          label: j.label ?? null,
          reasoning: j.reasoning,
          rawOutput: j.raw,
          latencyMs: j.latencyMs,
          attempts: j.attempts,
          // What judgePrompt showed: a vision judge with execution sees each side's picture there is.
          screenshots:
            task.judge.vision && task.mode === 'with_execution'
              ? (battle.screenshots?.a ? 1 : 0) + (battle.screenshots?.b ? 1 : 0)
              : 0,
        };
      }
      // The conversation may have gone on while the judge was thinking: a verdict on an earlier turn is dropped.
      if ((this.latestTurn.get(task.battleId) ?? 0) > loaded.turn) return;
      await new JudgementsRepository(this.dataSource.manager).insert(row);
      this.metrics.judgements.inc({ judge: task.judge.id, mode: task.mode, outcome: 'ok' });
    } catch (error) {
      const outcome = error instanceof JudgeOutputError ? 'unparseable' : 'failed';
      this.metrics.judgements.inc({ judge: task.judge.id, mode: task.mode, outcome });
      if (!this.stopping.signal.aborted)
        this.logger.warn(
          { battleId: task.battleId, judge: task.judge.id, mode: task.mode, order: task.order, err: String(error) },
          'judging failed; the battle is judged again at the next start',
        );
    }
  }

  /**
   * A battle's judging material and the verdicts it already has, read once for all its queued tasks (a
   * battle has up to four per LLM judge): the database sees a few queries per battle, not per call.
   */
  private shared(battleId: string): Promise<Material | undefined> {
    const entry = this.materials.get(battleId);
    if (!entry) return this.read(battleId);
    entry.promise ??= this.read(battleId);
    return entry.promise;
  }

  private async read(battleId: string): Promise<Material | undefined> {
    const vision = this.judges.some((j) => j.spec.vision && j.spec.modes.includes('with_execution'));
    // A vision judge sees the pictures of the runs, which are taken just after the runs end.
    if (vision) await this.screenshots.settledFor(battleId);
    return Promise.all([
      judgingMaterial(this.dataSource.manager, battleId, { screenshots: vision }),
      new JudgementsRepository(this.dataSource.manager).doneFor(battleId),
    ]).then(([material, done]) => (material ? { ...material, done } : undefined));
  }

  /** A task of this battle has finished: the material goes once none is left. */
  private finished(battleId: string): void {
    const entry = this.materials.get(battleId);
    if (entry && --entry.remaining <= 0) this.materials.delete(battleId);
    if (!this.materials.has(battleId)) this.latestTurn.delete(battleId);
  }

  /** Read ahead the material of the battles next in line, so a free slot never waits for the database. */
  private prefetch(): void {
    const window = this.config.judges.concurrency * 2;
    for (const task of this.queue.slice(0, window)) {
      const entry = this.materials.get(task.battleId);
      if (entry && !entry.promise) entry.promise = this.read(task.battleId).catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.queue.length = 0;
    if (this.active > 0) await this.idle();
  }
}
