import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { appendRunOutput, type RunState, type Side } from '@arena/contracts';
import { SandboxRegistry, type OutputChunk } from '@arena/sandboxes';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { storableText } from '../common/storable-text.js';
import { BattlesRepository } from './battles.repository.js';
import { splitDisplayControl } from './display-control.js';
import type { LiveBattle } from './live-battle.js';
import { PersistedStream } from './persisted-stream.js';
import { RunFigureRecorder } from './run-figure-recorder.js';

/** How often run output is written while it streams. */
const STREAM_PERSIST_MS = 500;

export interface RunRequest {
  environment: RunState['environment'] & string;
  code: string;
  stdin?: string;
  installCommand?: string;
  /** Given for a re-run (the id its requester was told); a first run gets a new one. */
  runId?: string;
}

/** One run of a side's code: stored, streamed to the room as it prints, stored again with its result. */
@Injectable()
export class RunExecution {
  private readonly logger = createLogger(RunExecution.name);

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SandboxRegistry) private readonly sandboxes: SandboxRegistry,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(DomainEvents) private readonly events: DomainEvents,
  ) {}

  async execute(live: LiveBattle, turn: number, side: Side, request: RunRequest): Promise<void> {
    const { environment, code } = request;
    const state = live.side(turn, side);
    const runId = request.runId ?? randomUUID();
    const edited = code !== state.code?.code;
    const rerun = request.runId
      ? { edited, stdin: request.stdin !== undefined, ...(edited ? { code } : {}) }
      : undefined;
    const startedAt = Date.now();
    const run: RunState = { runId, environment, output: '', seq: -1, startedAt, ...(rerun ? { rerun } : {}) };
    state.runs.push(run);
    await this.sandboxes.start();
    const runner = this.sandboxes.runnerFor(environment, code)?.kind ?? 'unavailable';
    const repository = new BattlesRepository(this.dataSource.manager);
    await repository.insertExecution({
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
    this.emitter.toBattle(live.id, 'run:start', {
      battleId: live.id,
      turn,
      side,
      runId,
      environment,
      startedAt,
      ...(rerun ? { rerun } : {}),
    });
    let stdout = '';
    let stderr = '';
    const stream = new PersistedStream<OutputChunk>({
      frameMs: this.config.deltaIntervalMs,
      persistMs: STREAM_PERSIST_MS,
      send: (chunks) => {
        for (const chunk of mergeChunks(chunks)) {
          appendRunOutput(run, chunk.stream, chunk.data);
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
      },
      persist: () =>
        repository.updateExecution(runId, { output: run.output, stdout, stderr, stderrRanges: run.stderr ?? null }),
      onPersistError: (err) =>
        this.logger.warn({ battleId: live.id, side, runId, err }, 'could not persist run output'),
    });
    const figures = new RunFigureRecorder(
      this.dataSource.manager,
      this.emitter,
      { battleId: live.id, runId, side, run },
      () => stream.flush(),
    );
    const result = await this.sandboxes.run(
      {
        environment,
        code,
        limits: this.config.runLimits,
        // A side's live app: a re-run of that side replaces it, and it closes with the battle.
        appOwner: `${live.id}:${turn}:${side}`,
        ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
        ...(request.installCommand ? { installCommand: request.installCommand } : {}),
      },
      {
        onOutput: (chunk) => stream.push({ ...chunk, data: storableText(chunk.data) }),
        onFigure: (figure) => figures.add(figure),
        signal: live.abort.signal,
      },
    );
    await figures.settled();
    stream.flush();
    if (result.message && result.status !== 'ok' && result.status !== 'unsupported') {
      stream.push({ stream: 'stderr', data: storableText(`\n[${result.status}] ${result.message}\n`) });
    }
    await stream.settle();
    run.status = result.status;
    run.durationMs = result.durationMs;
    const { preview, controlUrl } = splitDisplayControl(result.preview);
    if (controlUrl) live.displayControls.set(runId, controlUrl);
    if (preview) run.preview = preview;
    if (result.exitCode !== undefined) run.exitCode = result.exitCode;
    await repository.updateExecution(runId, {
      status: result.status,
      exitCode: result.exitCode ?? null,
      output: run.output,
      stdout,
      stderr,
      stderrRanges: run.stderr ?? null,
      message: result.message !== undefined ? storableText(result.message) : null,
      preview: result.preview?.kind === 'html' ? result.preview.html : null,
      previewKind: result.preview?.kind ?? null,
      previewUrl: result.preview && result.preview.kind !== 'html' ? result.preview.url : null,
      durationMs: result.durationMs,
      cpuMs: result.cpuMs ?? null,
      peakMemoryBytes: result.peakMemoryBytes !== undefined ? String(result.peakMemoryBytes) : null,
      finishedAt: new Date(),
    });
    await this.events.emit('run.finished', {
      battleId: live.id,
      runId,
      side,
      environment,
      runner: result.runner,
      status: result.status,
      durationMs: result.durationMs,
    });
    await this.events.emit('battle.runs-changed', { battleId: live.id });
    this.emitter.toBattle(live.id, 'run:end', {
      battleId: live.id,
      runId,
      side,
      status: result.status,
      durationMs: result.durationMs,
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(preview ? { preview } : {}),
    });
  }
}

/** Adjacent chunks of the same stream become one frame. */
function mergeChunks(chunks: OutputChunk[]): OutputChunk[] {
  const out: OutputChunk[] = [];
  for (const chunk of chunks) {
    const last = out[out.length - 1];
    if (last && last.stream === chunk.stream) last.data += chunk.data;
    else out.push({ ...chunk });
  }
  return out;
}
