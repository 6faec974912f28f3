import { Inject, Injectable } from '@nestjs/common';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import {
  ArenaError,
  type RosterEntry,
  type SessionBattle,
  type SessionHostView,
  type SessionSnapshot,
  type SessionSummary,
} from '@arena/contracts';
import { DataSource } from 'typeorm';
import { BattlesRepository } from '../battles/battles.repository.js';
import { VotesRepository } from '../battles/votes.repository.js';
import { ModelsService } from '../models/models.service.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import type { SessionEntity } from './entities/session.entity.js';
import { sessionLeaderboard } from './session-results.js';
import { SessionsRepository } from './sessions.repository.js';

/**
 * What a session looks like to its participants, its host and its summary page, read from the database
 * (any process can answer for any session): counts only; models only of battles whose vote the host closed.
 */
@Injectable()
export class SessionViewsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
  ) {}

  private get sessions(): SessionsRepository {
    return new SessionsRepository(this.dataSource.manager);
  }

  async session(sessionId: string): Promise<SessionEntity> {
    const session = await this.sessions.findById(sessionId);
    if (!session) throw new ArenaError('not_found', `no session ${sessionId}`);
    return session;
  }

  /** The public state of a session; with `voterId`, also that participant's own id and votes. */
  async snapshot(sessionId: string, voterId?: string): Promise<SessionSnapshot> {
    const session = await this.session(sessionId);
    const votes = new VotesRepository(this.dataSource.manager);
    const [rows, participants] = await Promise.all([
      new BattlesRepository(this.dataSource.manager).inSession(sessionId),
      this.sessions.countParticipants(sessionId, false),
    ]);
    const tallies = await votes.tallies(rows.map((r) => r.id));
    const revealed = rows.filter((r) => r.status === 'revealed');
    const refs = await this.models.refs(revealed.flatMap((r) => [r.modelAId, r.modelBId]));
    const battles = rows.map((row): SessionBattle => {
      const battle: SessionBattle = {
        battleId: row.id,
        status: row.status,
        prompt: row.prompt,
        tally: tallies.get(row.id)!,
      };
      if (row.status === 'revealed') {
        battle.models = { a: refs.get(row.modelAId)!, b: refs.get(row.modelBId)! };
        if (row.winner) battle.winner = row.winner;
      }
      return battle;
    });
    const snapshot: SessionSnapshot = {
      sessionId,
      title: session.title,
      joinCode: session.joinCode,
      joinPolicy: session.joinPolicy,
      participants,
      battles,
    };
    if (session.currentBattleId) snapshot.currentBattleId = session.currentBattleId;
    if (session.endedAt) snapshot.endedAt = session.endedAt.toISOString();
    if (voterId) {
      const participant = await this.sessions.participant(sessionId, voterId);
      if (participant && !participant.removedAt) {
        snapshot.participantId = participant.id;
        snapshot.myVotes = await votes.bySessionVoter(sessionId, voterId);
        if (participant.waiting) snapshot.waiting = true;
      }
    }
    return snapshot;
  }

  async hostView(sessionId: string): Promise<SessionHostView> {
    const [snapshot, roster] = await Promise.all([this.snapshot(sessionId), this.sessions.roster(sessionId)]);
    const perNetwork = new Map<string, number>();
    for (const p of roster) if (p.networkHash) perNetwork.set(p.networkHash, (perNetwork.get(p.networkHash) ?? 0) + 1);
    return {
      ...snapshot,
      waitingCount: roster.filter((p) => p.waiting).length,
      roster: roster.map((p): RosterEntry => ({
        participantId: p.id,
        nickname: p.nickname,
        ...(p.waiting ? { waiting: true } : {}),
        sameNetwork: p.networkHash ? perNetwork.get(p.networkHash)! - 1 : 0,
      })),
      ...(this.config.publicUrl ? { publicUrl: this.config.publicUrl } : {}),
    };
  }

  /** The whole public state to everyone in the session (a battle started or was closed). */
  async broadcast(sessionId: string): Promise<void> {
    this.emitter.toSession(sessionId, 'session:state', await this.snapshot(sessionId));
  }

  /** The summary page: every battle and its tally, and the models ranked by the session's votes. */
  async summary(sessionId: string): Promise<SessionSummary> {
    const session = await this.session(sessionId);
    const snapshot = await this.snapshot(sessionId);
    return {
      sessionId,
      title: session.title,
      createdAt: session.createdAt.toISOString(),
      participants: snapshot.participants,
      battles: snapshot.battles,
      leaderboard: sessionLeaderboard(snapshot.battles),
    };
  }
}
