import { randomUUID } from 'node:crypto';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  ArenaError,
  SIDES,
  type BattleCreateInput,
  type RunControlInput,
  type RunRequestInput,
  type Side,
} from '@arena/contracts';
import { displayControlFor } from './display-control.js';
import { environmentOfEdit, extractCode } from '@arena/sandboxes';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ModelsService, type ArenaModel } from '../models/models.service.js';
import { VoterBansService } from '../moderation/voter-bans.service.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { AnswerGeneration } from './answer-generation.js';
import { BattleRegistry, RETAIN_FINISHED_MS, RETAIN_UNVOTED_MS } from './battle-registry.js';
import { BattlesRepository } from './battles.repository.js';
import { LiveBattle } from './live-battle.js';
import { RunExecution, type RunRequest } from './run-execution.js';

/**
 * Runs battles: persists a new one, then for each side generates the answer, extracts its code and runs
 * it, moving the battle's status along; re-runs a side on request. What the rest of the arena keeps of a
 * battle (judgements, export parts, metrics) it learns from domain events, not from calls made here.
 */
@Injectable()
export class BattleRunnerService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = createLogger(BattleRunnerService.name);
  private readonly running = new Set<Promise<void>>();
  private draining = false;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(AnswerGeneration) private readonly generation: AnswerGeneration,
    @Inject(RunExecution) private readonly execution: RunExecution,
    @Inject(DomainEvents) private readonly events: DomainEvents,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
    @Inject(VoterBansService) private readonly bans: VoterBansService,
  ) {}

  onModuleInit(): void {
    // A follow-up that reached another process, for a battle this one runs.
    this.cluster.on('arena:followup', ({ battleId, prompt, by }, reply) => {
      if (!this.registry.get(battleId)) return reply(null);
      this.followup(battleId, prompt, by).then(
        ({ turn }) => reply({ ok: true, turn }),
        (err: unknown) =>
          reply(
            err instanceof ArenaError
              ? { ok: false, code: err.code, message: err.message }
              : { ok: false, code: 'internal', message: 'the follow-up could not be started' },
          ),
      );
    });
  }

  private get repository(): BattlesRepository {
    return new BattlesRepository(this.dataSource.manager);
  }

  /** Persist a new battle between two drawn models; it is durable before anyone hears of it. */
  async create(voterId: string, input: BattleCreateInput, sessionId: string | null = null): Promise<LiveBattle> {
    this.refuseWhileDraining();
    await this.bans.assertAllowed(voterId);
    const [a, b] = this.models.pickPair();
    const id = randomUUID();
    const createdAt = new Date();
    const models = { a: a.ref, b: b.ref };
    await this.repository.create({
      id,
      category: input.category ?? null,
      models,
      creatorVoterId: voterId,
      sessionId,
      createdAt,
      prompt: input.prompt,
      turnId: randomUUID(),
      messageIds: { a: randomUUID(), b: randomUUID() },
    });
    const live = new LiveBattle(id, createdAt, voterId, models, input.category, input.prompt, sessionId);
    this.registry.add(live);
    await this.events.emit('battle.created', { battleId: id, models, sessionId });
    this.logger.info({ battleId: id, modelA: a.ref.id, modelB: b.ref.id }, 'battle created');
    return live;
  }

  /** A battle created but never started (it lost a race): marked failed and forgotten. */
  async discard(live: LiveBattle): Promise<void> {
    live.status = 'failed';
    await this.repository.setStatus(live.id, 'failed');
    this.registry.retire(live.id, 0);
  }

  /**
   * Start generating; called once the creator has joined the battle's room, so it misses no frame. The
   * returned promise settles when the turn has finished (tests wait on it instead of sleeping).
   */
  start(live: LiveBattle): Promise<void> {
    return this.track(this.play(live, live.turn));
  }

  /**
   * `battle:followup` / `session:followup`: a new user turn, once the current one has finished generating and
   * running and before the vote, up to the turn limit. Both sides continue their own conversation. The turn
   * is durable before it is announced; of a follow-up and a vote racing, the database lets exactly one win.
   * Returns the new turn and the promise of its play (settled when it has finished).
   */
  async followup(
    battleId: string,
    prompt: string,
    by: { voterId: string } | { sessionId: string },
  ): Promise<{ turn: number; played: Promise<void> }> {
    this.refuseWhileDraining();
    const live = this.registry.get(battleId);
    if (!live) {
      // Another process may run it (this socket reached a different one behind the balancer).
      const remote = await this.cluster.followupRemote({ battleId, prompt, by });
      if (remote?.ok) return { turn: remote.turn, played: Promise.resolve() };
      if (remote) throw new ArenaError(remote.code, remote.message);
      throw new ArenaError('not_found', 'that battle is not live any more; it cannot go on');
    }
    if ('voterId' in by) {
      await this.bans.assertAllowed(by.voterId);
      if (live.sessionId)
        throw new ArenaError('not_allowed', 'this battle belongs to a voting session: its host sends follow-ups');
      if (live.creatorVoterId !== by.voterId)
        throw new ArenaError('not_allowed', 'only the person who started this battle can continue it');
    } else if (live.sessionId !== by.sessionId) {
      throw new ArenaError('not_found', `no battle ${battleId} in this session`);
    }
    if (live.status === 'revealed' || live.voteInFlight)
      throw new ArenaError('not_allowed', 'the vote is in: the conversation is over');
    if (live.status === 'failed') throw new ArenaError('not_allowed', 'this battle failed; it cannot go on');
    if (live.status !== 'voting' || live.followupInFlight)
      throw new ArenaError('not_allowed', 'wait until both answers have finished generating and running');
    if (live.turns.length >= this.config.maxTurns)
      throw new ArenaError('not_allowed', `a battle has at most ${this.config.maxTurns} turns; vote on this one`);
    live.followupInFlight = true;
    try {
      const turn = live.turns.length;
      const opened = await this.repository.addTurn({
        id: live.id,
        turn,
        prompt,
        models: live.models,
        turnId: randomUUID(),
        messageIds: { a: randomUUID(), b: randomUUID() },
      });
      if (!opened) throw new ArenaError('not_allowed', 'the vote is in: the conversation is over');
      this.registry.keep(live.id);
      live.addTurn(prompt);
      live.status = 'generating';
      // Everyone watching learns the new turn (its prompt) from a snapshot; its frames follow.
      this.emitter.toBattle(live.id, 'battle:state', live.snapshot());
      this.logger.info({ battleId: live.id, turn }, 'follow-up turn');
      return { turn, played: this.track(this.play(live, turn)) };
    } finally {
      live.followupInFlight = false;
    }
  }

  private track(task: Promise<void>): Promise<void> {
    const tracked = task.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return tracked;
  }

  private async play(live: LiveBattle, turn: number): Promise<void> {
    const models: Record<Side, ArenaModel> = {
      a: this.models.get(live.models.a.id),
      b: this.models.get(live.models.b.id),
    };
    this.emitter.toBattle(live.id, 'battle:status', { battleId: live.id, status: live.status });
    try {
      await Promise.all(SIDES.map((side) => this.playSide(live, turn, side, models[side])));
      // Cancelled (the server is stopping), or nothing produced on either side of the first turn: no fair
      // comparison to vote on. A follow-up that both sides failed leaves the earlier turns to vote on.
      const failed =
        live.abort.signal.aborted ||
        (turn === 0 &&
          SIDES.every((side) => live.side(turn, side).finishReason === 'error' && !live.side(turn, side).text));
      await this.setStatus(live, failed ? 'failed' : live.derivedStatus());
      await this.events.emit('turn.finished', { battleId: live.id, turn, status: live.status });
    } catch (error) {
      this.logger.error({ battleId: live.id, err: error }, 'battle failed');
      await this.setStatus(live, 'failed').catch(() => undefined);
    }
    this.registry.retire(live.id, live.status === 'voting' ? RETAIN_UNVOTED_MS : RETAIN_FINISHED_MS);
  }

  private async setStatus(live: LiveBattle, status: LiveBattle['status']): Promise<void> {
    if (live.status === status) return;
    live.status = status;
    live.votingSince = status === 'voting' ? Date.now() : undefined;
    await this.repository.setStatus(live.id, status);
    this.emitter.toBattle(live.id, 'battle:status', { battleId: live.id, status });
  }

  private async refreshStatus(live: LiveBattle): Promise<void> {
    const next = live.derivedStatus();
    if (next !== 'voting') await this.setStatus(live, next);
  }

  private async playSide(live: LiveBattle, turn: number, side: Side, model: ArenaModel): Promise<void> {
    const result = await this.generation.generate(live, turn, side, model);
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
      await this.repository.insertExtraction({
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
      await this.execution.execute(live, turn, side, {
        environment: state.code.environment,
        code: state.code.code,
        ...(state.code.installCommand ? { installCommand: state.code.installCommand } : {}),
      });
      live.phases[side].running = false;
    }
    await this.refreshStatus(live);
  }

  /**
   * `run:request`: run a side's code again, as extracted or as edited in the UI, with optional stdin, while
   * the battle is live. The run streams to the room like the first one and is stored with the turn.
   */
  /**
   * `run:request`: only the battle's creator (in a voting session, its host, who created it) runs its code,
   * before the vote and after: anyone else's run would land in the voter's pane, in the stored runs and, for
   * web previews, as a script in every viewer's browser. Everyone else may copy the code.
   */
  rerun(voterId: string, input: RunRequestInput): { runId: string } {
    this.refuseWhileDraining();
    const live = this.registry.get(input.battleId);
    if (!live) throw new ArenaError('not_found', 'that battle is not live any more; its code can no longer be re-run');
    if (live.creatorVoterId !== voterId)
      throw new ArenaError(
        'not_allowed',
        'only the person who started this battle can run its code; copy it to try it',
      );
    const turn = live.turns.length - 1;
    const state = live.side(turn, input.side);
    const phase = live.phases[input.side];
    if (phase.generating) throw new ArenaError('not_allowed', 'that side is still being generated');
    if (phase.running) throw new ArenaError('not_allowed', 'that side is already running; wait for its run to end');
    if (!state.code) throw new ArenaError('not_allowed', 'that side has no code to run');
    const runId = randomUUID();
    phase.running = true;
    const code = input.code ?? state.code.code;
    const request: RunRequest = {
      // An edit may turn a Python side into a Streamlit, Gradio or PyGame program (or back): it runs as what it is.
      environment: input.code === undefined ? state.code.environment : environmentOfEdit(state.code.environment, code),
      code,
      ...(input.stdin !== undefined ? { stdin: input.stdin } : {}),
      ...(state.code.installCommand ? { installCommand: state.code.installCommand } : {}),
      runId,
    };
    void this.track(
      this.execution
        .execute(live, turn, input.side, request)
        .catch((error: unknown) => this.logger.error({ battleId: live.id, runId, err: error }, 're-run failed'))
        .finally(() => {
          phase.running = false;
        }),
    );
    return { runId };
  }

  /** `run:control`: a display run's control URL, for the battle's creator (a session's host) only. */
  displayControl(voterId: string, input: RunControlInput): { url: string } {
    return displayControlFor(this.registry.get(input.battleId), voterId, input.runId);
  }

  /** Resolves when every battle and re-run started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /**
   * A graceful stop (SIGTERM): new battles, follow-ups and runs are refused at once (`unavailable`: the
   * client's retry reaches another process behind the balancer), and the ones in progress run on for up to
   * `ARENA_SHUTDOWN_GRACE_MS`. Then the sockets close (their clients reconnect, elsewhere) and whatever is
   * still running is stopped.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    if (this.running.size === 0) return;
    this.logger.info({ battles: this.running.size, graceMs: this.config.shutdownGraceMs }, 'draining before stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.shutdownGraceMs))),
    ]);
    clearTimeout(timer);
  }

  private refuseWhileDraining(): void {
    if (this.draining)
      throw new ArenaError('unavailable', 'this server is restarting; start again in a moment and another will answer');
  }

  async onApplicationShutdown(): Promise<void> {
    for (const live of this.registry.all())
      live.abort.abort(new ArenaError('unavailable', 'the server is shutting down'));
    await this.idle();
  }
}
