import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  ArenaError,
  type BattleListItem,
  type BattleListQuery,
  type BattleSnapshot,
  type ModelRef,
  type Side,
  type SideState,
  type Winner,
} from '@arena/contracts';
import { DataSource, In } from 'typeorm';
import { LeaderboardService } from '../leaderboard/leaderboard.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { createLogger } from '../logging/logger.js';
import { isUniqueViolation } from '../database/query-results.js';
import { buildExportPartsFor } from '../datasets/dataset-rows.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { BattleRegistry, RETAIN_FINISHED_MS } from './battle-registry.js';
import {
  BattleEntity,
  CodeExtractionEntity,
  ExecutionEntity,
  SideMessageEntity,
  TurnEntity,
  VoteEntity,
} from './entities/index.js';
import { ModelEntity } from '../models/model.entity.js';
import { FrameCoalescer } from '../realtime/frame-coalescer.js';
import { emptySide, type LiveBattle } from './live-battle.js';

const PRESENCE_INTERVAL_MS = 250;
const LIVE: ReadonlySet<string> = new Set(['generating', 'running', 'voting']);

function preview(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > 140 ? `${flat.slice(0, 139)}…` : flat;
}

/** Snapshots, listings, spectators and votes. */
@Injectable()
export class BattlesService {
  private readonly logger = createLogger(BattlesService.name);
  private readonly presence = new Map<string, FrameCoalescer<number>>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(LeaderboardService) private readonly leaderboard: LeaderboardService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
  ) {
    registry.onEvict((id) => this.presence.delete(id));
  }

  /** From memory when this process runs the battle, from the process that runs it, else from the database. */
  async snapshot(battleId: string): Promise<BattleSnapshot> {
    const live = this.registry.get(battleId);
    if (live) return live.snapshot();
    return (await this.cluster.watchRemote(battleId, '')) ?? this.snapshotFromDatabase(battleId);
  }

  /** Whether this process runs the battle (holds it in memory). */
  holds(battleId: string): boolean {
    return this.registry.get(battleId) !== undefined;
  }

  /** Another process asks for a battle this one may run (see ClusterBus); `socketId` '' only reads. */
  watchLocal(battleId: string, socketId: string): BattleSnapshot | null {
    const live = this.registry.get(battleId);
    if (!live) return null;
    if (socketId && !live.spectators.has(socketId)) {
      live.spectators.add(socketId);
      this.announcePresence(live);
    }
    return live.snapshot();
  }

  private async snapshotFromDatabase(battleId: string): Promise<BattleSnapshot> {
    const battle = await this.dataSource.getRepository(BattleEntity).findOneBy({ id: battleId });
    if (!battle) throw new ArenaError('not_found', `no battle ${battleId}`);
    const [turns, messages, extractions, executions] = await Promise.all([
      this.dataSource.getRepository(TurnEntity).find({ where: { battleId }, order: { turn: 'ASC' } }),
      this.dataSource.getRepository(SideMessageEntity).findBy({ battleId }),
      this.dataSource.getRepository(CodeExtractionEntity).findBy({ battleId }),
      this.dataSource.getRepository(ExecutionEntity).find({ where: { battleId }, order: { createdAt: 'ASC' } }),
    ]);
    const side = (turn: number, s: Side): SideState => {
      const message = messages.find((m) => m.turn === turn && m.side === s);
      const code = extractions.find((e) => e.turn === turn && e.side === s);
      const state = emptySide();
      if (message) {
        state.text = message.text;
        state.finished = message.finishReason !== null;
        if (message.finishReason) state.finishReason = message.finishReason;
        if (message.error) state.error = message.error;
      }
      if (code) {
        state.code = { environment: code.environment, language: code.language, code: code.code };
        if (code.installCommand) state.code.installCommand = code.installCommand;
      }
      state.runs = executions
        .filter((e) => e.turn === turn && e.side === s)
        .map((e) => ({
          runId: e.id,
          environment: e.environment,
          output: e.output,
          seq: -1,
          ...(e.status ? { status: e.status } : {}),
          ...(e.exitCode !== null ? { exitCode: e.exitCode } : {}),
          ...(e.durationMs !== null ? { durationMs: e.durationMs } : {}),
          ...(e.preview !== null ? { preview: { kind: 'html' as const, html: e.preview } } : {}),
        }));
      return state;
    };
    const snapshot: BattleSnapshot = {
      battleId,
      status: battle.status,
      createdAt: battle.createdAt.toISOString(),
      turns: turns.map((t) => ({
        turn: t.turn,
        prompt: t.prompt,
        sides: { a: side(t.turn, 'a'), b: side(t.turn, 'b') },
      })),
      spectators: 0,
    };
    if (battle.category) snapshot.category = battle.category;
    if (battle.status === 'revealed') {
      snapshot.models = await this.modelRefs(battle);
      if (battle.winner) snapshot.winner = battle.winner;
    }
    return snapshot;
  }

  private async modelRefs(battle: BattleEntity): Promise<{ a: ModelRef; b: ModelRef }> {
    const rows = await this.dataSource
      .getRepository(ModelEntity)
      .findBy({ id: In([battle.modelAId, battle.modelBId]) });
    const ref = (id: string): ModelRef => ({ id, name: rows.find((r) => r.id === id)?.name ?? id });
    return { a: ref(battle.modelAId), b: ref(battle.modelBId) };
  }

  async list(query: BattleListQuery): Promise<BattleListItem[]> {
    if (query.status === 'live') {
      return this.registry
        .all()
        .filter((b) => LIVE.has(b.status))
        .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime())
        .slice(0, query.limit)
        .map((b) => ({
          battleId: b.id,
          createdAt: b.createdAt.toISOString(),
          status: b.status,
          promptPreview: preview(b.turns[0]?.prompt ?? ''),
          spectators: b.spectators.size,
        }));
    }
    const rows = await this.dataSource
      .getRepository(BattleEntity)
      .createQueryBuilder('b')
      .innerJoin(TurnEntity, 't', 't.battle_id = b.id AND t.turn = 0')
      .select(['b.id AS id', 'b.created_at AS created_at', 'b.status AS status', 't.prompt AS prompt'])
      .orderBy('b.created_at', 'DESC')
      .limit(query.limit)
      .getRawMany<{ id: string; created_at: Date; status: BattleEntity['status']; prompt: string }>();
    return rows.map((r) => ({
      battleId: r.id,
      createdAt: new Date(r.created_at).toISOString(),
      status: this.registry.get(r.id)?.status ?? r.status,
      promptPreview: preview(r.prompt),
      spectators: this.registry.get(r.id)?.spectators.size ?? 0,
    }));
  }

  /** Count a socket as a spectator of a live battle; returns its snapshot. */
  async watch(battleId: string, socketId: string): Promise<BattleSnapshot> {
    return (
      this.watchLocal(battleId, socketId) ??
      (await this.cluster.watchRemote(battleId, socketId)) ??
      this.snapshotFromDatabase(battleId)
    );
  }

  unwatch(battleId: string, socketId: string): void {
    const live = this.registry.get(battleId);
    if (!live) this.cluster.unwatchRemote(battleId, socketId);
    else if (live.spectators.delete(socketId)) this.announcePresence(live);
  }

  /** Serialise what the data sets say of a battle just voted on, off the vote's path (exports build it if this fails). */
  prepareExport(battleId: string): void {
    buildExportPartsFor(this.dataSource, [battleId]).catch((err: unknown) =>
      this.logger.warn({ err, battleId }, 'export parts not built; the next export builds them'),
    );
  }

  /** A session battle was closed (here or on another process): the copy in memory follows the database. */
  markRevealed(battleId: string, winner: Winner | null): void {
    const live = this.registry.get(battleId);
    if (!live || live.status === 'revealed') return;
    live.status = 'revealed';
    live.winner = winner ?? undefined;
    this.registry.retire(battleId, RETAIN_FINISHED_MS);
  }

  /**
   * Presence goes to everyone in the room, so a crowd joining at once would cost spectators² frames;
   * counts are coalesced to at most one frame per PRESENCE_INTERVAL_MS per battle, the latest count winning.
   */
  private announcePresence(live: LiveBattle): void {
    let coalescer = this.presence.get(live.id);
    if (!coalescer) {
      coalescer = new FrameCoalescer<number>(PRESENCE_INTERVAL_MS, (counts) => {
        this.emitter.toBattle(live.id, 'battle:presence', {
          battleId: live.id,
          spectators: counts[counts.length - 1]!,
        });
      });
      this.presence.set(live.id, coalescer);
    }
    coalescer.push(live.spectators.size);
  }

  /** A battle that finished before this process started (a restart): vote and reveal from its stored row. */
  private async voteFromDatabase(
    battle: BattleEntity,
    voterId: string,
    winner: Winner,
  ): Promise<{ models: { a: ModelRef; b: ModelRef } }> {
    const revealed = await this.dataSource.transaction(async (tx) => {
      const result = await tx.update(
        BattleEntity,
        { id: battle.id, status: 'voting' },
        { status: 'revealed', winner, revealedAt: new Date() },
      );
      if (!result.affected) return false;
      await tx.insert(VoteEntity, { id: randomUUID(), battleId: battle.id, voterId, winner });
      return true;
    });
    if (!revealed) throw new ArenaError('already_voted', 'you have already voted on this battle');
    const models = await this.modelRefs(battle);
    this.announceVote(battle.id, models, winner);
    return { models };
  }

  /** After a vote is committed: count it, refresh the leaderboard, reveal the models to the room. */
  private announceVote(battleId: string, models: { a: ModelRef; b: ModelRef }, winner: Winner): void {
    this.leaderboard.invalidate();
    this.prepareExport(battleId);
    this.metrics.votes.inc({ winner });
    this.logger.info({ battleId, winner }, 'vote recorded');
    this.emitter.toBattle(battleId, 'battle:status', { battleId, status: 'revealed' });
    this.emitter.toBattle(battleId, 'battle:revealed', { battleId, models, winner });
  }

  /** The vote is committed before it is acknowledged; then the models are revealed to the battle's room. */
  async vote(voterId: string, battleId: string, winner: Winner): Promise<{ models: { a: ModelRef; b: ModelRef } }> {
    const live = this.registry.get(battleId);
    const battle = live ? undefined : await this.dataSource.getRepository(BattleEntity).findOneBy({ id: battleId });
    if (!live && !battle) throw new ArenaError('not_found', `no battle ${battleId}`);
    const creator = live?.creatorVoterId ?? battle!.creatorVoterId;
    const status = live?.status ?? battle!.status;
    if (live?.sessionId ?? battle?.sessionId) {
      throw new ArenaError(
        'not_allowed',
        'this battle belongs to a voting session: vote with session:vote; the host reveals it',
      );
    }
    if (creator !== voterId) {
      throw new ArenaError('not_allowed', 'only the person who started this battle can vote on it');
    }
    if (status === 'revealed' || live?.voteInFlight)
      throw new ArenaError('already_voted', 'you have already voted on this battle');
    if (status !== 'voting') {
      throw new ArenaError('not_allowed', 'the vote opens when both answers have finished generating and running');
    }
    if (!live) return this.voteFromDatabase(battle!, voterId, winner);
    live.voteInFlight = true;
    try {
      await this.dataSource.transaction(async (tx) => {
        await tx.insert(VoteEntity, { id: randomUUID(), battleId, voterId, winner });
        await tx.update(BattleEntity, { id: battleId }, { status: 'revealed', winner, revealedAt: new Date() });
      });
    } catch (error) {
      live.voteInFlight = false;
      if (isUniqueViolation(error, 'uq_votes_battle_voter')) {
        throw new ArenaError('already_voted', 'you have already voted on this battle');
      }
      throw error;
    }
    live.status = 'revealed';
    live.winner = winner;
    this.registry.retire(battleId, RETAIN_FINISHED_MS);
    this.announceVote(battleId, live.models, winner);
    return { models: live.models };
  }
}
