import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  ArenaError,
  emptyTally,
  JOIN_CODE_ALPHABET,
  JOIN_CODE_LENGTH,
  type BattleStatus,
  type ModelRef,
  type SessionBattle,
  type SessionBattleInput,
  type SessionHostView,
  type SessionSnapshot,
  type SessionSummary,
  type Tally,
  type Winner,
} from '@arena/contracts';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { ArenaEmitter, battleRoom, sessionRoom, voterRoom } from '../realtime/arena-emitter.js';
import { BattleRunnerService } from '../battles/battle-runner.service.js';
import { BattlesService } from '../battles/battles.service.js';
import { FrameCoalescer } from '../realtime/frame-coalescer.js';
import { isUniqueViolation, returnedRows } from '../database/query-results.js';
import { LeaderboardService } from '../leaderboard/leaderboard.service.js';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SamplePromptsService } from '../models/sample-prompts.service.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { ParticipantEntity } from './entities/participant.entity.js';
import { SessionEntity } from './entities/session.entity.js';

/** Tallies go out at most this often per battle and process; a burst of votes shares one count. */
const TALLY_INTERVAL_MS = 200;
const OPEN: ReadonlySet<BattleStatus> = new Set(['generating', 'running', 'voting']);

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function joinCode(): string {
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)];
  return code;
}

/** Plurality of the votes; a draw at the top is a tie, no vote at all is no winner. */
export function pluralityWinner(tally: Tally): Winner | null {
  const entries = Object.entries(tally.counts) as [Winner, number][];
  const best = Math.max(...entries.map(([, n]) => n));
  if (best === 0) return null;
  const top = entries.filter(([, n]) => n === best).map(([w]) => w);
  return top.length === 1 ? top[0]! : 'tie';
}

interface BattleRow {
  id: string;
  status: BattleStatus;
  winner: Winner | null;
  model_a_id: string;
  model_b_id: string;
  prompt: string;
  created_at: Date;
}

/**
 * Community voting sessions. Everything a session knows is in the database (sessions, participants,
 * battles with their session, one vote row per participant), so any process can answer for any session
 * and a process dying loses nothing that was acknowledged.
 */
@Injectable()
export class SessionsService {
  private readonly logger = createLogger(SessionsService.name);
  private readonly tallyFrames = new Map<string, FrameCoalescer<string>>();
  private readonly presence = new Map<string, FrameCoalescer<void>>();

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRunnerService) private readonly runner: BattleRunnerService,
    @Inject(BattlesService) private readonly battles: BattlesService,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
    @Inject(SamplePromptsService) private readonly samples: SamplePromptsService,
    @Inject(LeaderboardService) private readonly leaderboard: LeaderboardService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  async create(hostVoterId: string, title: string): Promise<{ sessionId: string; joinCode: string; hostKey: string }> {
    const hostKey = randomBytes(24).toString('base64url');
    for (let attempt = 0; ; attempt++) {
      const session = { id: randomUUID(), title, joinCode: joinCode(), hostKeyHash: hashKey(hostKey), hostVoterId };
      try {
        await this.dataSource.getRepository(SessionEntity).insert(session);
        this.logger.info({ sessionId: session.id }, 'session created');
        return { sessionId: session.id, joinCode: session.joinCode, hostKey };
      } catch (error) {
        if (attempt < 5 && isUniqueViolation(error, 'uq_sessions_join_code')) continue;
        throw error;
      }
    }
  }

  private async session(sessionId: string): Promise<SessionEntity> {
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId });
    if (!session) throw new ArenaError('not_found', `no session ${sessionId}`);
    return session;
  }

  /** The session, if `hostKey` is its host key; otherwise `not_allowed` (the same answer for any wrong key). */
  async asHost(sessionId: string, hostKey: string): Promise<SessionEntity> {
    const session = await this.session(sessionId);
    const given = Buffer.from(hashKey(hostKey), 'hex');
    if (!timingSafeEqual(given, Buffer.from(session.hostKeyHash, 'hex'))) {
      throw new ArenaError('not_allowed', 'that is not the host key of this session');
    }
    return session;
  }

  /**
   * Join (or rejoin, with the same voter id: same participant, nickname updated). Joins are serialised per
   * session by a row lock, so the size limit holds under a crowd joining at once.
   */
  async join(
    voterId: string,
    code: string,
    nickname: string,
  ): Promise<{ session: SessionEntity; participantId: string }> {
    const result = await this.dataSource.transaction(async (tx) => {
      const session = await tx
        .getRepository(SessionEntity)
        .createQueryBuilder('s')
        .setLock('pessimistic_write')
        .where('s.join_code = :code', { code })
        .getOne();
      if (!session) throw new ArenaError('not_found', `no session with the code ${code}`);
      const participants = tx.getRepository(ParticipantEntity);
      const existing = await participants.findOneBy({ sessionId: session.id, voterId });
      if (existing?.removedAt) throw new ArenaError('not_allowed', 'the host removed you from this session');
      if (existing) {
        if (existing.nickname !== nickname) await participants.update({ id: existing.id }, { nickname });
        return { session, participantId: existing.id, fresh: false };
      }
      const count = await this.participantCount(session.id, tx);
      if (count >= this.config.sessions.maxParticipants) {
        throw new ArenaError('not_allowed', `this session is full (${this.config.sessions.maxParticipants} people)`);
      }
      const participantId = randomUUID();
      await participants.insert({ id: participantId, sessionId: session.id, voterId, nickname, removedAt: null });
      return { session, participantId, fresh: true };
    });
    if (result.fresh) this.announceParticipants(result.session.id);
    return { session: result.session, participantId: result.participantId };
  }

  async participant(sessionId: string, voterId: string): Promise<ParticipantEntity | null> {
    return this.dataSource.getRepository(ParticipantEntity).findOneBy({ sessionId, voterId });
  }

  /** Participant counts change often when a room fills up: one update per interval, the latest count. */
  private announceParticipants(sessionId: string): void {
    let coalescer = this.presence.get(sessionId);
    if (!coalescer) {
      coalescer = new FrameCoalescer<void>(250, () => {
        void this.participantCount(sessionId)
          .then((participants) => this.emitter.toSession(sessionId, 'session:update', { sessionId, participants }))
          .catch((err: unknown) => this.logger.warn({ err, sessionId }, 'participant count failed'));
      });
      this.presence.set(sessionId, coalescer);
    }
    coalescer.push();
  }

  private async participantCount(sessionId: string, tx: EntityManager = this.dataSource.manager): Promise<number> {
    const rows = await tx.query<{ n: string }[]>(
      'SELECT count(*)::text AS n FROM session_participants WHERE session_id = $1 AND removed_at IS NULL',
      [sessionId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async tallies(battleIds: string[], tx: EntityManager = this.dataSource.manager): Promise<Map<string, Tally>> {
    const out = new Map(battleIds.map((id) => [id, emptyTally()]));
    if (battleIds.length === 0) return out;
    const rows = await tx.query<{ battle_id: string; winner: Winner; n: string }[]>(
      'SELECT battle_id, winner, count(*)::text AS n FROM votes WHERE battle_id = ANY($1::uuid[]) GROUP BY battle_id, winner',
      [battleIds],
    );
    for (const row of rows) {
      const tally = out.get(row.battle_id)!;
      tally.counts[row.winner] = Number(row.n);
      tally.voters += Number(row.n);
    }
    return out;
  }

  private async modelNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<{ id: string; name: string }[]>(
      'SELECT id, name FROM models WHERE id = ANY($1::text[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  private async battleRows(sessionId: string): Promise<BattleRow[]> {
    return this.dataSource.query<BattleRow[]>(
      `SELECT b.id, b.status, b.winner, b.model_a_id, b.model_b_id, b.created_at,
              (SELECT t.prompt FROM turns t WHERE t.battle_id = b.id AND t.turn = 0) AS prompt
         FROM battles b WHERE b.session_id = $1 ORDER BY b.created_at, b.id`,
      [sessionId],
    );
  }

  /** The public state of a session: counts only; models only of battles whose vote the host closed. */
  async snapshot(sessionId: string, voterId?: string): Promise<SessionSnapshot> {
    const session = await this.session(sessionId);
    const [rows, participants] = await Promise.all([this.battleRows(sessionId), this.participantCount(sessionId)]);
    const tallies = await this.tallies(rows.map((r) => r.id));
    const revealed = rows.filter((r) => r.status === 'revealed');
    const names = await this.modelNames([...new Set(revealed.flatMap((r) => [r.model_a_id, r.model_b_id]))]);
    const ref = (id: string): ModelRef => ({ id, name: names.get(id) ?? id });
    const battles = rows.map((row): SessionBattle => {
      const battle: SessionBattle = {
        battleId: row.id,
        status: row.status,
        prompt: row.prompt,
        tally: tallies.get(row.id)!,
      };
      if (row.status === 'revealed') {
        battle.models = { a: ref(row.model_a_id), b: ref(row.model_b_id) };
        if (row.winner) battle.winner = row.winner;
      }
      return battle;
    });
    const snapshot: SessionSnapshot = {
      sessionId,
      title: session.title,
      joinCode: session.joinCode,
      participants,
      battles,
    };
    if (session.currentBattleId) snapshot.currentBattleId = session.currentBattleId;
    if (voterId) {
      const participant = await this.participant(sessionId, voterId);
      if (participant && !participant.removedAt) {
        snapshot.participantId = participant.id;
        const mine = await this.dataSource.query<{ battle_id: string; winner: Winner }[]>(
          'SELECT battle_id, winner FROM votes WHERE session_id = $1 AND voter_id = $2',
          [sessionId, voterId],
        );
        snapshot.myVotes = Object.fromEntries(mine.map((v) => [v.battle_id, v.winner]));
      }
    }
    return snapshot;
  }

  async hostView(sessionId: string): Promise<SessionHostView> {
    const [snapshot, roster] = await Promise.all([
      this.snapshot(sessionId),
      this.dataSource.getRepository(ParticipantEntity).find({
        where: { sessionId, removedAt: IsNull() },
        order: { joinedAt: 'ASC' },
      }),
    ]);
    return { ...snapshot, roster: roster.map((p) => ({ participantId: p.id, nickname: p.nickname })) };
  }

  private async broadcastState(sessionId: string): Promise<void> {
    this.emitter.toSession(sessionId, 'session:state', await this.snapshot(sessionId));
  }

  /** Start a battle for the whole session; the previous one must have been closed (or have failed). */
  async startBattle(session: SessionEntity, input: SessionBattleInput): Promise<{ battleId: string }> {
    if (session.currentBattleId) {
      const rows = await this.dataSource.query<{ status: BattleStatus }[]>('SELECT status FROM battles WHERE id = $1', [
        session.currentBattleId,
      ]);
      const status = rows[0]?.status;
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
    const moved = await this.dataSource.query<unknown[]>(
      `UPDATE sessions SET current_battle_id = $2 WHERE id = $1 AND current_battle_id IS NOT DISTINCT FROM $3 RETURNING id`,
      [session.id, live.id, session.currentBattleId],
    );
    const affected = returnedRows(moved).length;
    if (!affected) {
      await this.runner.discard(live);
      throw new ArenaError('not_allowed', 'another battle was started in this session at the same moment');
    }
    this.emitter.join(sessionRoom(session.id), battleRoom(live.id));
    this.runner.start(live);
    this.metrics.sessionBattles.inc();
    this.logger.info({ sessionId: session.id, battleId: live.id }, 'session battle started');
    await this.broadcastState(session.id);
    return { battleId: live.id };
  }

  /**
   * One vote per participant and battle, committed before it is acknowledged. The insert only happens while
   * the battle is open for votes: it locks the battle row, so a vote and the host's close are ordered, and
   * the close's final tally holds every vote acknowledged before it.
   */
  async vote(voterId: string, sessionId: string, battleId: string, winner: Winner): Promise<void> {
    const participant = await this.participant(sessionId, voterId);
    if (!participant) throw new ArenaError('not_allowed', 'join the session before voting');
    if (participant.removedAt) throw new ArenaError('not_allowed', 'the host removed you from this session');
    let inserted: unknown[];
    try {
      const result = await this.dataSource.query<unknown[]>(
        `INSERT INTO votes (id, battle_id, voter_id, winner, session_id)
           SELECT $1, b.id, $3, $4, $5 FROM battles b
            WHERE b.id = $2 AND b.session_id = $5 AND b.status = 'voting'
            FOR SHARE OF b
         RETURNING id`,
        [randomUUID(), battleId, voterId, winner, sessionId],
      );
      inserted = returnedRows(result);
    } catch (error) {
      if (isUniqueViolation(error, 'uq_votes_battle_voter')) {
        throw new ArenaError('already_voted', 'you have already voted on this battle');
      }
      throw error;
    }
    if (inserted.length === 0) {
      const rows = await this.dataSource.query<{ status: BattleStatus; session_id: string | null }[]>(
        'SELECT status, session_id FROM battles WHERE id = $1',
        [battleId],
      );
      const row = rows[0];
      if (!row || row.session_id !== sessionId)
        throw new ArenaError('not_found', `no battle ${battleId} in this session`);
      // A retry of a vote that was counted (its acknowledgement lost with a connection) hears so, open or closed.
      const mine = await this.dataSource.query<unknown[]>(
        'SELECT 1 FROM votes WHERE battle_id = $1 AND voter_id = $2',
        [battleId, voterId],
      );
      if (mine.length > 0) throw new ArenaError('already_voted', 'you have already voted on this battle');
      if (row.status === 'revealed') throw new ArenaError('not_allowed', 'the host has closed the vote on this battle');
      if (row.status === 'failed')
        throw new ArenaError('not_allowed', 'this battle failed; there is nothing to vote on');
      throw new ArenaError('not_allowed', 'the vote opens when both answers have finished generating and running');
    }
    this.metrics.votes.inc({ winner });
    this.scheduleTally(sessionId, battleId);
  }

  private scheduleTally(sessionId: string, battleId: string): void {
    let coalescer = this.tallyFrames.get(battleId);
    if (!coalescer) {
      coalescer = new FrameCoalescer<string>(TALLY_INTERVAL_MS, () => {
        void this.tallies([battleId])
          .then((t) => this.emitter.toSession(sessionId, 'session:tally', { sessionId, battleId, ...t.get(battleId)! }))
          .catch((err: unknown) => this.logger.warn({ err, battleId }, 'tally failed'));
      });
      this.tallyFrames.set(battleId, coalescer);
    }
    coalescer.push(battleId);
  }

  /**
   * Close the vote: the battle is revealed with its final tally, to the session and to anyone watching.
   * Closing a battle that is already closed answers the same again (a host retrying after a reconnect).
   */
  async close(
    session: SessionEntity,
    battleId: string,
  ): Promise<{ tally: Tally; models: { a: ModelRef; b: ModelRef }; winner: Winner | null }> {
    const outcome = await this.dataSource.transaction(async (tx) => {
      const rows = await tx.query<BattleRow[]>(
        'SELECT id, status, winner, model_a_id, model_b_id FROM battles WHERE id = $1 AND session_id = $2 FOR UPDATE',
        [battleId, session.id],
      );
      const row = rows[0];
      if (!row) throw new ArenaError('not_found', `no battle ${battleId} in this session`);
      if (row.status === 'failed') throw new ArenaError('not_allowed', 'this battle failed; there is no vote to close');
      if (row.status !== 'voting' && row.status !== 'revealed') {
        throw new ArenaError('not_allowed', 'the vote opens when both answers have finished generating and running');
      }
      const tally = (await this.tallies([battleId], tx)).get(battleId)!;
      if (row.status === 'revealed') return { row, tally, winner: row.winner, fresh: false };
      const winner = pluralityWinner(tally);
      await tx.query(
        "UPDATE battles SET status = 'revealed', winner = $2, revealed_at = now(), updated_at = now() WHERE id = $1",
        [battleId, winner],
      );
      return { row, tally, winner, fresh: true };
    });
    const names = await this.modelNames([outcome.row.model_a_id, outcome.row.model_b_id]);
    const models = {
      a: { id: outcome.row.model_a_id, name: names.get(outcome.row.model_a_id) ?? outcome.row.model_a_id },
      b: { id: outcome.row.model_b_id, name: names.get(outcome.row.model_b_id) ?? outcome.row.model_b_id },
    };
    if (outcome.fresh) {
      this.battles.markRevealed(battleId, outcome.winner);
      this.battles.prepareExport(battleId);
      this.cluster.revealed(battleId, outcome.winner);
      this.leaderboard.invalidate();
      this.tallyFrames.get(battleId)?.flush();
      this.tallyFrames.delete(battleId);
      this.emitter.toBattle(battleId, 'battle:status', { battleId, status: 'revealed' });
      this.emitter.toBattle(battleId, 'battle:revealed', {
        battleId,
        models,
        sessionId: session.id,
        ...(outcome.winner ? { winner: outcome.winner } : {}),
      });
      this.emitter.toSession(session.id, 'session:tally', { sessionId: session.id, battleId, ...outcome.tally });
      await this.broadcastState(session.id);
      this.logger.info({ sessionId: session.id, battleId, voters: outcome.tally.voters }, 'session vote closed');
    }
    return { tally: outcome.tally, models, winner: outcome.winner };
  }

  /**
   * The host removes someone: they cannot vote or rejoin, their votes on battles still open are withdrawn,
   * and their sockets leave the session (on every process).
   */
  async remove(session: SessionEntity, participantId: string): Promise<void> {
    const participants = this.dataSource.getRepository(ParticipantEntity);
    const participant = await participants.findOneBy({ id: participantId, sessionId: session.id });
    if (!participant) throw new ArenaError('not_found', 'no such participant in this session');
    if (participant.removedAt) return;
    const withdrawn = await this.dataSource.transaction(async (tx) => {
      await tx.update(ParticipantEntity, { id: participantId }, { removedAt: new Date() });
      return tx.query<{ battle_id: string }[]>(
        `DELETE FROM votes v USING battles b
          WHERE v.battle_id = b.id AND b.session_id = $1 AND b.status <> 'revealed' AND v.voter_id = $2
          RETURNING v.battle_id`,
        [session.id, participant.voterId],
      );
    });
    const rows = returnedRows<{ battle_id: string }>(withdrawn);
    this.emitter.toVoter(participant.voterId, 'session:removed', { sessionId: session.id });
    this.emitter.leave(voterRoom(participant.voterId), sessionRoom(session.id));
    if (session.currentBattleId)
      this.emitter.leave(voterRoom(participant.voterId), battleRoom(session.currentBattleId));
    for (const { battle_id } of rows) this.scheduleTally(session.id, battle_id);
    this.announceParticipants(session.id);
    this.logger.info({ sessionId: session.id, participantId }, 'participant removed');
  }

  /** The summary page: every battle and its tally, and the models ranked by the session's votes. */
  async summary(sessionId: string): Promise<SessionSummary> {
    const session = await this.session(sessionId);
    const snapshot = await this.snapshot(sessionId);
    const board = new Map<string, SessionSummary['leaderboard'][number]>();
    const entry = (model: ModelRef): SessionSummary['leaderboard'][number] => {
      let row = board.get(model.id);
      if (!row) board.set(model.id, (row = { model, wins: 0, losses: 0, ties: 0, votes: 0, score: 0 }));
      return row;
    };
    for (const battle of snapshot.battles) {
      if (!battle.models) continue;
      const a = entry(battle.models.a);
      const b = entry(battle.models.b);
      const { counts } = battle.tally;
      const ties = counts.tie + counts['tie (bothbad)'];
      a.wins += counts.model_a;
      a.losses += counts.model_b;
      b.wins += counts.model_b;
      b.losses += counts.model_a;
      a.ties += ties;
      b.ties += ties;
      a.votes += battle.tally.voters;
      b.votes += battle.tally.voters;
    }
    const leaderboard = [...board.values()]
      .map((row) => ({ ...row, score: row.votes ? (row.wins + row.ties / 2) / row.votes : 0 }))
      .sort((x, y) => y.score - x.score || y.votes - x.votes || x.model.name.localeCompare(y.model.name));
    return {
      sessionId,
      title: session.title,
      createdAt: session.createdAt.toISOString(),
      participants: snapshot.participants,
      battles: snapshot.battles,
      leaderboard,
    };
  }
}
