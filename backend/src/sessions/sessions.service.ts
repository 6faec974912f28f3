import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ArenaError, type JoinPolicy, type SessionBattleInput } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { BattleRunnerService } from '../battles/battle-runner.service.js';
import { BattlesRepository } from '../battles/battles.repository.js';
import { isUniqueViolation } from '../database/query-results.js';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SamplePromptsService } from '../models/sample-prompts.service.js';
import { ArenaEmitter, battleRoom, sessionRoom } from '../realtime/arena-emitter.js';
import type { SessionEntity } from './entities/session.entity.js';
import { hashHostKey, hostKeyMatches, newHostKey, newJoinCode } from './host-keys.js';
import { SessionViewsService } from './session-views.service.js';
import { SessionVotesService } from './session-votes.service.js';
import { SessionsRepository } from './sessions.repository.js';

const OPEN = new Set(['generating', 'running', 'voting']);

/**
 * Community voting sessions, as their host runs them: creation, the host's key, and the battles the host
 * starts for everyone. Everything a session knows is in the database, so any process can answer for any
 * session and a process dying loses nothing that was acknowledged.
 */
@Injectable()
export class SessionsService {
  private readonly logger = createLogger(SessionsService.name);

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRunnerService) private readonly runner: BattleRunnerService,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(SamplePromptsService) private readonly samples: SamplePromptsService,
    @Inject(SessionViewsService) private readonly views: SessionViewsService,
    @Inject(SessionVotesService) private readonly votes: SessionVotesService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  /**
   * An operator ends a session: nobody joins, starts a battle, continues one or votes any more; a battle whose
   * vote is open is closed now with the votes it has (revealed, as the host's close does). Everyone in the
   * session gets its state with `endedAt`. Ending again answers the first end. `not_found` for an unknown one.
   */
  async end(sessionId: string): Promise<{ sessionId: string; endedAt: Date; closedBattleId?: string }> {
    if (!(await new SessionsRepository(this.dataSource.manager).end(sessionId)))
      throw new ArenaError('not_found', `no session ${sessionId}`);
    const session = await this.views.session(sessionId);
    let closedBattleId: string | undefined;
    if (session.currentBattleId) {
      const status = await new BattlesRepository(this.dataSource.manager).statusOf(session.currentBattleId);
      if (status === 'voting') {
        await this.votes.close(session, session.currentBattleId);
        closedBattleId = session.currentBattleId;
      }
    }
    await this.views.broadcast(sessionId);
    this.logger.info({ sessionId, closedBattleId }, 'session ended');
    return { sessionId, endedAt: session.endedAt!, ...(closedBattleId ? { closedBattleId } : {}) };
  }

  /** The latest sessions, for operators. */
  list(limit: number): ReturnType<SessionsRepository['list']> {
    return new SessionsRepository(this.dataSource.manager).list(limit);
  }

  countOpen(): Promise<number> {
    return new SessionsRepository(this.dataSource.manager).countOpen();
  }

  async create(
    hostVoterId: string,
    title: string,
    joinPolicy: JoinPolicy = 'open',
  ): Promise<{ sessionId: string; joinCode: string; hostKey: string }> {
    const hostKey = newHostKey();
    const sessions = new SessionsRepository(this.dataSource.manager);
    for (let attempt = 0; ; attempt++) {
      const session = {
        id: randomUUID(),
        title,
        joinCode: newJoinCode(),
        hostKeyHash: hashHostKey(hostKey),
        hostVoterId,
        joinPolicy,
      };
      try {
        await sessions.insert(session);
        this.logger.info({ sessionId: session.id, joinPolicy }, 'session created');
        return { sessionId: session.id, joinCode: session.joinCode, hostKey };
      } catch (error) {
        if (attempt < 5 && isUniqueViolation(error, 'uq_sessions_join_code')) continue;
        throw error;
      }
    }
  }

  /** The session, if `hostKey` is its host key; otherwise `not_allowed` (the same answer for any wrong key). */
  async asHost(sessionId: string, hostKey: string): Promise<SessionEntity> {
    const session = await this.views.session(sessionId);
    if (!hostKeyMatches(hostKey, session.hostKeyHash)) {
      throw new ArenaError('not_allowed', 'that is not the host key of this session');
    }
    return session;
  }

  /**
   * The host continues the session's current battle with a follow-up turn (everyone's vote stays one vote on
   * the whole conversation); the session hears its new state.
   */
  async followup(session: SessionEntity, battleId: string, prompt: string): Promise<{ turn: number }> {
    if (session.endedAt) throw new ArenaError('not_allowed', 'this session has ended');
    if (session.currentBattleId !== battleId)
      throw new ArenaError('not_allowed', "only the session's current battle can be continued");
    const { turn } = await this.runner.followup(battleId, prompt, { sessionId: session.id });
    await this.views.broadcast(session.id);
    return { turn };
  }

  /** Start a battle for the whole session; the previous one must have been closed (or have failed). */
  async startBattle(session: SessionEntity, input: SessionBattleInput): Promise<{ battleId: string }> {
    if (session.endedAt) throw new ArenaError('not_allowed', 'this session has ended');
    if (session.currentBattleId) {
      const status = await new BattlesRepository(this.dataSource.manager).statusOf(session.currentBattleId);
      if (status && OPEN.has(status)) {
        throw new ArenaError('not_allowed', 'close the vote on the current battle before starting another');
      }
    }
    const prompt = input.prompt ?? this.samples.pick(1)[0]?.prompt;
    if (!prompt) throw new ArenaError('unavailable', 'no sample prompt to start a battle with; type one');
    const live = await this.runner.create(
      session.hostVoterId,
      { prompt, ...(input.category ? { category: input.category } : {}) },
      session.id,
    );
    // Only the host who holds the current battle may move the session on: a concurrent start loses here.
    const moved = await new SessionsRepository(this.dataSource.manager).moveToBattle(
      session.id,
      live.id,
      session.currentBattleId,
    );
    if (!moved) {
      await this.runner.discard(live);
      throw new ArenaError('not_allowed', 'another battle was started in this session at the same moment');
    }
    this.emitter.join(sessionRoom(session.id), battleRoom(live.id));
    void this.runner.start(live);
    this.metrics.sessionBattles.inc();
    this.logger.info({ sessionId: session.id, battleId: live.id }, 'session battle started');
    await this.views.broadcast(session.id);
    return { battleId: live.id };
  }
}
