import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  ArenaError,
  SIDES,
  type BattleCreateInput,
  type PreviewLogInput,
  type RunRequestInput,
  type RunState,
  type Side,
} from '@arena/contracts';
import { SandboxRegistry, type OutputChunk } from '@arena/sandboxes';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { returnedRows } from '../database/query-results.js';
import { JudgeService } from '../judges/judge.service.js';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelsService, type ArenaModel } from '../models/models.service.js';
import { ProviderError, type GenerateResult } from '../models/providers/provider.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { BattleRegistry, RETAIN_FINISHED_MS, RETAIN_UNVOTED_MS } from './battle-registry.js';
import { extractCode } from '@arena/sandboxes';
import {
  BattleEntity,
  CodeExtractionEntity,
  ExecutionEntity,
  SideMessageEntity,
  TurnEntity,
} from './entities/index.js';
import { FrameCoalescer } from '../realtime/frame-coalescer.js';
import { ThrottledWrite } from './throttled-write.js';
import { LiveBattle } from './live-battle.js';
import { invalidateExportParts } from '../datasets/dataset-rows.js';

/** How often streamed text and run output are written while they stream. */
const STREAM_PERSIST_MS = 500;

/** Runs battles: streams both models, extracts and runs their code, persists everything as it happens. */
@Injectable()
export class BattleRunnerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger(BattleRunnerService.name);
  private readonly running = new Set<Promise<void>>();
  private sweeper?: NodeJS.Timeout;
  /** Per previewed run: which socket reports its console, and how much it has reported. */
  private readonly previewBudgets = new Map<string, { reporter: string; bytes: number }>();

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(SandboxRegistry) private readonly sandboxes: SandboxRegistry,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(JudgeService) private readonly judges: JudgeService,
  ) {}

  /**
   * Battles a process left `generating` or `running` when it died: no battle can still be in progress once
   * the longest generation and both runs would have ended, so those are marked `failed` — safe with several
   * processes on one database, since a live battle is never that old. Checked at start and every minute.
   */
  async sweepAbandoned(): Promise<number> {
    const limitMs = this.config.generation.timeoutMs + 2 * this.config.runLimits.wallMs + 60_000;
    const result = await this.dataSource.query<unknown[]>(
      `UPDATE battles SET status = 'failed'
        WHERE status IN ('generating', 'running') AND created_at < now() - ($1::int * interval '1 millisecond')
        RETURNING id`,
      [limitMs],
    );
    const rows = returnedRows(result);
    if (rows.length) this.logger.warn({ battles: rows.length }, 'battles abandoned by a stopped process marked failed');
    return rows.length;
  }

  /** The first sweep finishes before the server takes battles; later ones run every minute. */
  async onApplicationBootstrap(): Promise<void> {
    const sweep = (): Promise<void> =>
      this.sweepAbandoned().then(
        () => undefined,
        (err: unknown) => this.logger.warn({ err }, 'sweeping abandoned battles failed'),
      );
    await sweep();
    this.sweeper = setInterval(() => void sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Persist a new battle between two drawn models; it is durable before anyone hears of it. */
  async create(voterId: string, input: BattleCreateInput, sessionId: string | null = null): Promise<LiveBattle> {
    const [a, b] = this.models.pickPair();
    const id = randomUUID();
    const createdAt = new Date();
    await this.dataSource.transaction(async (tx) => {
      await tx.insert(BattleEntity, {
        id,
        status: 'generating',
        category: input.category ?? null,
        modelAId: a.ref.id,
        modelBId: b.ref.id,
        creatorVoterId: voterId,
        anony: true,
        sessionId,
        createdAt,
      });
      await tx.insert(TurnEntity, { id: randomUUID(), battleId: id, turn: 0, prompt: input.prompt });
      await tx.insert(SideMessageEntity, [
        { id: randomUUID(), battleId: id, turn: 0, side: 'a', modelId: a.ref.id, text: '' },
        { id: randomUUID(), battleId: id, turn: 0, side: 'b', modelId: b.ref.id, text: '' },
      ]);
    });
    const live = new LiveBattle(
      id,
      createdAt,
      voterId,
      { a: a.ref, b: b.ref },
      input.category,
      input.prompt,
      sessionId,
    );
    this.registry.add(live);
    this.metrics.battlesCreated.inc();
    this.logger.info({ battleId: id, modelA: a.ref.id, modelB: b.ref.id }, 'battle created');
    return live;
  }

  /** A battle created but never started (it lost a race): marked failed and forgotten. */
  async discard(live: LiveBattle): Promise<void> {
    live.status = 'failed';
    await this.dataSource.getRepository(BattleEntity).update({ id: live.id }, { status: 'failed' });
    this.registry.retire(live.id, 0);
  }

  /** Start generating; called once the creator has joined the battle's room, so it misses no frame. */
  start(live: LiveBattle): void {
    const task = this.play(live, {
      a: this.models.get(live.models.a.id),
      b: this.models.get(live.models.b.id),
    }).finally(() => this.running.delete(task));
    this.running.add(task);
  }

  private async play(live: LiveBattle, models: Record<Side, ArenaModel>): Promise<void> {
    this.emitter.toBattle(live.id, 'battle:status', { battleId: live.id, status: live.status });
    try {
      await Promise.all(SIDES.map((side) => this.playSide(live, 0, side, models[side])));
      // Cancelled (the server is stopping) or nothing produced on either side: no fair comparison to vote on.
      const failed =
        live.abort.signal.aborted ||
        SIDES.every((side) => live.side(0, side).finishReason === 'error' && !live.side(0, side).text);
      await this.setStatus(live, failed ? 'failed' : live.derivedStatus());
      // Judged in the background; no verdict is ever shown to anyone in the battle.
      if (live.status === 'voting') this.judges.enqueue(live.id);
    } catch (error) {
      this.logger.error({ battleId: live.id, err: error }, 'battle failed');
      await this.setStatus(live, 'failed').catch(() => undefined);
    }
    this.registry.retire(live.id, live.status === 'voting' ? RETAIN_UNVOTED_MS : RETAIN_FINISHED_MS);
  }

  private async setStatus(live: LiveBattle, status: LiveBattle['status']): Promise<void> {
    if (live.status === status) return;
    live.status = status;
    await this.dataSource.getRepository(BattleEntity).update({ id: live.id }, { status });
    this.emitter.toBattle(live.id, 'battle:status', { battleId: live.id, status });
  }

  private async refreshStatus(live: LiveBattle): Promise<void> {
    const next = live.derivedStatus();
    if (next !== 'voting') await this.setStatus(live, next);
  }

  private async playSide(live: LiveBattle, turn: number, side: Side, model: ArenaModel): Promise<void> {
    const result = await this.generate(live, turn, side, model);
    live.phases[side].generating = false;
    const state = live.side(turn, side);
    const extraction = result.finishReason === 'error' && !state.text ? undefined : extractCode(state.text);
    if (extraction) {
      live.phases[side].running = true;
      await this.refreshStatus(live);
      state.code = {
        environment: extraction.environment,
        language: extraction.language,
        code: extraction.code,
        ...(extraction.installCommand ? { installCommand: extraction.installCommand } : {}),
      };
      await this.dataSource.getRepository(CodeExtractionEntity).insert({
        id: randomUUID(),
        battleId: live.id,
        turn,
        side,
        environment: extraction.environment,
        language: extraction.language,
        code: extraction.code,
        installCommand: extraction.installCommand ?? null,
        blockCount: extraction.blockCount,
      });
      this.emitter.toBattle(live.id, 'code:ready', { battleId: live.id, turn, side, ...state.code });
      await this.execute(live, turn, side, {
        environment: state.code.environment,
        code: state.code.code,
        ...(state.code.installCommand ? { installCommand: state.code.installCommand } : {}),
      });
      live.phases[side].running = false;
    }
    await this.refreshStatus(live);
  }

  private async generate(
    live: LiveBattle,
    turn: number,
    side: Side,
    model: ArenaModel,
  ): Promise<{ finishReason: 'stop' | 'length' | 'error' | 'cancelled' }> {
    const state = live.side(turn, side);
    const started = performance.now();
    let firstTokenMs: number | undefined;
    const repo = this.dataSource.getRepository(SideMessageEntity);
    const where = { battleId: live.id, turn, side };
    const persistText = new ThrottledWrite(
      STREAM_PERSIST_MS,
      () => repo.update(where, { text: state.text }),
      (err) => this.logger.warn({ battleId: live.id, side, err }, 'could not persist streamed text'),
    );
    const deltas = new FrameCoalescer<string>(this.config.deltaIntervalMs, (texts) => {
      const text = texts.join('');
      state.text += text;
      state.seq += 1;
      this.emitter.toBattle(live.id, 'gen:delta', {
        battleId: live.id,
        turn,
        side,
        seq: state.seq,
        text,
        t: Date.now(),
      });
      persistText.maybe();
    });

    const idle = { timer: undefined as NodeJS.Timeout | undefined };
    const controller = new AbortController();
    const timeouts = new AbortController();
    const armIdle = (): void => {
      clearTimeout(idle.timer);
      idle.timer = setTimeout(
        () =>
          timeouts.abort(
            new ProviderError('timeout', 'no token within the idle time-out', "the model's service went silent"),
          ),
        this.config.generation.idleTimeoutMs,
      );
    };
    const total = setTimeout(
      () =>
        timeouts.abort(new ProviderError('timeout', 'generation time-out', 'the answer took too long and was cut off')),
      this.config.generation.timeoutMs,
    );
    const signal = AbortSignal.any([live.abort.signal, timeouts.signal, controller.signal]);
    armIdle();

    let result: GenerateResult | undefined;
    let failure: { finishReason: 'error' | 'cancelled'; error?: string; detail?: string } | undefined;
    try {
      result = await model.provider.generate({
        messages: [{ role: 'user', content: live.turns[turn]!.prompt }],
        signal,
        onText: (text) => {
          if (signal.aborted || !text) return;
          firstTokenMs ??= Math.round(performance.now() - started);
          armIdle();
          deltas.push(text);
        },
      });
    } catch (error) {
      const reason: unknown = timeouts.signal.aborted ? timeouts.signal.reason : error;
      if (live.abort.signal.aborted && !timeouts.signal.aborted) failure = { finishReason: 'cancelled' };
      else if (reason instanceof ProviderError)
        failure = { finishReason: 'error', error: reason.publicMessage, detail: reason.message };
      else failure = { finishReason: 'error', error: 'the answer could not be generated', detail: String(reason) };
      this.logger.warn(
        { battleId: live.id, side, model: model.ref.id, detail: failure.detail },
        'generation ended early',
      );
    } finally {
      clearTimeout(idle.timer);
      clearTimeout(total);
    }
    deltas.flush();
    const ms = Math.round(performance.now() - started);
    const finishReason = failure?.finishReason ?? result?.finishReason ?? 'stop';
    state.finished = true;
    state.finishReason = finishReason;
    this.metrics.generations.inc({ finish_reason: finishReason });
    this.metrics.generationSeconds.observe(ms / 1000);
    if (firstTokenMs !== undefined) this.metrics.firstToken.observe(firstTokenMs / 1000);
    if (failure?.error) state.error = failure.error;
    await persistText.settled();
    await repo.update(where, {
      text: state.text,
      finishReason,
      error: failure?.error ?? null,
      errorDetail: failure?.detail ?? null,
      outputTokens: result?.outputTokens ?? null,
      firstTokenMs: firstTokenMs ?? null,
      durationMs: ms,
      // TypeORM's partial type does not model an open JSON record; the column is jsonb.
      meta: (result?.meta ?? null) as QueryDeepPartialEntity<Record<string, unknown>> | null,
    });
    this.emitter.toBattle(live.id, 'gen:end', {
      battleId: live.id,
      turn,
      side,
      finishReason,
      ms,
      ...(failure?.error ? { error: failure.error } : {}),
      ...(result?.outputTokens !== undefined ? { outputTokens: result.outputTokens } : {}),
    });
    return { finishReason };
  }

  /**
   * `run:request`: run a side's code again, as extracted or as edited in the UI, with optional stdin, while
   * the battle is live. The run streams to the room like the first one and is stored with the turn.
   */
  rerun(input: RunRequestInput): { runId: string } {
    const live = this.registry.get(input.battleId);
    if (!live) throw new ArenaError('not_found', 'that battle is not live any more; its code can no longer be re-run');
    const turn = live.turns.length - 1;
    const state = live.side(turn, input.side);
    const phase = live.phases[input.side];
    if (phase.generating) throw new ArenaError('not_allowed', 'that side is still being generated');
    if (phase.running) throw new ArenaError('not_allowed', 'that side is already running; wait for its run to end');
    if (!state.code) throw new ArenaError('not_allowed', 'that side has no code to run');
    const runId = randomUUID();
    phase.running = true;
    const task = this.execute(live, turn, input.side, {
      environment: state.code.environment,
      code: input.code ?? state.code.code,
      ...(input.stdin !== undefined ? { stdin: input.stdin } : {}),
      ...(state.code.installCommand ? { installCommand: state.code.installCommand } : {}),
      runId,
    })
      .catch((error: unknown) => this.logger.error({ battleId: live.id, runId, err: error }, 're-run failed'))
      .finally(() => {
        phase.running = false;
        this.running.delete(task);
      });
    this.running.add(task);
    return { runId };
  }

  private async execute(
    live: LiveBattle,
    turn: number,
    side: Side,
    request: {
      environment: RunState['environment'] & string;
      code: string;
      stdin?: string;
      installCommand?: string;
      runId?: string;
    },
  ): Promise<void> {
    const { environment, code } = request;
    const state = live.side(turn, side);
    const runId = request.runId ?? randomUUID();
    const run: RunState = { runId, environment, output: '', seq: -1 };
    state.runs.push(run);
    await this.sandboxes.start();
    const runner = this.sandboxes.runnerFor(environment, code)?.kind ?? 'unavailable';
    const repo = this.dataSource.getRepository(ExecutionEntity);
    await repo.insert({
      id: runId,
      battleId: live.id,
      turn,
      side,
      environment,
      runner,
      code,
      stdin: request.stdin ?? null,
      origin: request.runId ? 'rerun' : 'answer',
    });
    this.emitter.toBattle(live.id, 'run:start', { battleId: live.id, turn, side, runId, environment });
    let stdout = '';
    let stderr = '';
    const persistOutput = new ThrottledWrite(
      STREAM_PERSIST_MS,
      () => repo.update({ id: runId }, { output: run.output, stdout, stderr }),
      (err) => this.logger.warn({ battleId: live.id, side, runId, err }, 'could not persist run output'),
    );
    const frames = new FrameCoalescer<OutputChunk>(this.config.deltaIntervalMs, (chunks) => {
      for (const chunk of mergeChunks(chunks)) {
        run.output += chunk.data;
        run.seq += 1;
        if (chunk.stream === 'stdout') stdout += chunk.data;
        else stderr += chunk.data;
        this.emitter.toBattle(live.id, 'run:output', {
          battleId: live.id,
          runId,
          side,
          stream: chunk.stream,
          seq: run.seq,
          data: chunk.data,
          t: Date.now(),
        });
      }
      persistOutput.maybe();
    });
    const result = await this.sandboxes.run(
      {
        environment,
        code,
        limits: this.config.runLimits,
        ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
        ...(request.installCommand ? { installCommand: request.installCommand } : {}),
      },
      { onOutput: (chunk) => frames.push(chunk), signal: live.abort.signal },
    );
    frames.flush();
    if (result.message && result.status !== 'ok' && result.status !== 'unsupported') {
      const note = `\n[${result.status}] ${result.message}\n`;
      frames.push({ stream: 'stderr', data: note });
      frames.flush();
    }
    await persistOutput.settled();
    run.status = result.status;
    run.durationMs = result.durationMs;
    if (result.preview) run.preview = result.preview;
    this.metrics.runs.inc({ environment, runner: result.runner, status: result.status });
    this.metrics.runSeconds.observe({ runner: result.runner }, result.durationMs / 1000);
    if (result.exitCode !== undefined) run.exitCode = result.exitCode;
    await repo.update(
      { id: runId },
      {
        status: result.status,
        exitCode: result.exitCode ?? null,
        output: run.output,
        stdout,
        stderr,
        message: result.message ?? null,
        preview: result.preview?.html ?? null,
        durationMs: result.durationMs,
        cpuMs: result.cpuMs ?? null,
        peakMemoryBytes: result.peakMemoryBytes !== undefined ? String(result.peakMemoryBytes) : null,
        finishedAt: new Date(),
      },
    );
    await this.touch(live.id);
    this.emitter.toBattle(live.id, 'run:end', {
      battleId: live.id,
      runId,
      side,
      status: result.status,
      durationMs: result.durationMs,
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(result.preview ? { preview: result.preview } : {}),
    });
  }

  /**
   * `preview:log`: the console of a web preview, as the browser that renders it reports it. Every watcher
   * renders the same page, but only the battle's creator reports (a spectator could not make up output for
   * it), and only from the first of the creator's sockets that does; the output cap of a server-side run
   * applies. Lines join the run's output stream and its stored stdout/stderr. Returns whether they were taken.
   */
  async previewLog(voterId: string, socketId: string, input: PreviewLogInput): Promise<boolean> {
    const live = this.registry.get(input.battleId);
    if (!live) throw new ArenaError('not_found', 'that battle is not live any more');
    const run = live.turns
      .flatMap((t) => [t.sides.a, t.sides.b])
      .flatMap((s) => s.runs)
      .find((r) => r.runId === input.runId);
    const side = SIDES.find((s) => live.turns.some((t) => t.sides[s].runs.some((r) => r.runId === input.runId)));
    if (!run || !side) throw new ArenaError('not_found', 'no such run in this battle');
    if (!run.preview) throw new ArenaError('not_allowed', 'that run has no preview');
    if (voterId !== live.creatorVoterId) return false;
    const budget = this.previewBudgets.get(input.runId) ?? { reporter: socketId, bytes: 0 };
    this.previewBudgets.set(input.runId, budget);
    if (budget.reporter !== socketId) return false;
    let stdout = '';
    let stderr = '';
    for (const entry of input.entries) {
      const prefix = entry.level === 'uncaught' ? 'Uncaught ' : '';
      const text = `${prefix}${entry.text}\n`;
      const bytes = Buffer.byteLength(text);
      if (budget.bytes + bytes > this.config.runLimits.outputBytes) {
        if (budget.bytes < this.config.runLimits.outputBytes) stderr += '[preview] console output limit reached\n';
        budget.bytes = this.config.runLimits.outputBytes;
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
      run.output += data;
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
      await this.dataSource.query(
        'UPDATE executions SET output = output || $1, stdout = stdout || $2, stderr = stderr || $3 WHERE id = $4',
        [stdout + stderr, stdout, stderr, input.runId],
      );
      await this.touch(live.id);
    }
    return true;
  }

  /** A battle's runs changed: exports rebuild what they kept of it. */
  private async touch(battleId: string): Promise<void> {
    await invalidateExportParts(this.dataSource, battleId);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    for (const live of this.registry.all())
      live.abort.abort(new ArenaError('unavailable', 'the server is shutting down'));
    await Promise.allSettled([...this.running]);
  }
}

function mergeChunks(chunks: OutputChunk[]): OutputChunk[] {
  const out: OutputChunk[] = [];
  for (const chunk of chunks) {
    const last = out[out.length - 1];
    if (last && last.stream === chunk.stream) last.data += chunk.data;
    else out.push({ ...chunk });
  }
  return out;
}
