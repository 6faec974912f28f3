import { IsNull, type EntityManager } from 'typeorm';
import { returnedRows } from '../database/query-results.js';
import { ParticipantEntity } from './entities/participant.entity.js';
import { SessionEntity } from './entities/session.entity.js';

/**
 * The session tables (sessions, session_participants): the only class that writes them. Works in the
 * manager it is given, so its writes join the caller's transaction. TypeORM's repositories and query
 * builder, and SQL for an update that returns its rows.
 */
export class SessionsRepository {
  constructor(private readonly manager: EntityManager) {}

  async insert(
    session: Pick<SessionEntity, 'id' | 'title' | 'joinCode' | 'hostKeyHash' | 'hostVoterId' | 'joinPolicy'>,
  ): Promise<void> {
    await this.manager.getRepository(SessionEntity).insert(session);
  }

  findById(id: string): Promise<SessionEntity | null> {
    return this.manager.getRepository(SessionEntity).findOneBy({ id });
  }

  /** The session with this join code, locked for the caller's transaction (joins are serialised per session). */
  lockByJoinCode(joinCode: string): Promise<SessionEntity | null> {
    return this.manager
      .getRepository(SessionEntity)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.join_code = :joinCode', { joinCode })
      .getOne();
  }

  /**
   * Move the session on to `battleId`, only if its current battle is still `expected`: of two hosts starting
   * a battle at once, one wins. Returns whether this call moved it.
   */
  async moveToBattle(sessionId: string, battleId: string, expected: string | null): Promise<boolean> {
    const result = await this.manager
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ currentBattleId: battleId })
      .where('id = :sessionId', { sessionId })
      .andWhere('current_battle_id IS NOT DISTINCT FROM :expected', { expected })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  participant(sessionId: string, voterId: string): Promise<ParticipantEntity | null> {
    return this.manager.getRepository(ParticipantEntity).findOneBy({ sessionId, voterId });
  }

  participantById(sessionId: string, id: string): Promise<ParticipantEntity | null> {
    return this.manager.getRepository(ParticipantEntity).findOneBy({ sessionId, id });
  }

  async addParticipant(
    participant: Pick<ParticipantEntity, 'id' | 'sessionId' | 'voterId' | 'nickname' | 'networkHash' | 'waiting'>,
  ): Promise<void> {
    await this.manager.getRepository(ParticipantEntity).insert({ ...participant, removedAt: null });
  }

  async renameParticipant(id: string, nickname: string): Promise<void> {
    await this.manager.getRepository(ParticipantEntity).update({ id }, { nickname });
  }

  async removeParticipant(id: string): Promise<void> {
    await this.manager.getRepository(ParticipantEntity).update({ id }, { removedAt: new Date() });
  }

  /** Participants not removed: everyone (the size limit), or those let in or those waiting. */
  countParticipants(sessionId: string, waiting?: boolean): Promise<number> {
    return this.manager
      .getRepository(ParticipantEntity)
      .countBy({ sessionId, removedAt: IsNull(), ...(waiting === undefined ? {} : { waiting }) });
  }

  /** Participants let in and waiting, not removed, in one query (the counts a session's update carries). */
  async counts(sessionId: string): Promise<{ participants: number; waiting: number }> {
    const row = await this.manager
      .getRepository(ParticipantEntity)
      .createQueryBuilder('p')
      .select('count(*) FILTER (WHERE NOT p.waiting)::int', 'participants')
      .addSelect('count(*) FILTER (WHERE p.waiting)::int', 'waiting')
      .where('p.session_id = :sessionId AND p.removed_at IS NULL', { sessionId })
      .getRawOne<{ participants: number; waiting: number }>();
    return { participants: row?.participants ?? 0, waiting: row?.waiting ?? 0 };
  }

  /**
   * Who has joined this session from one network: how many are in (not waiting, not removed), and whether
   * the host removed anyone who had joined from it.
   */
  async network(sessionId: string, networkHash: string): Promise<{ admitted: number; removed: boolean }> {
    const row = await this.manager
      .getRepository(ParticipantEntity)
      .createQueryBuilder('p')
      .select('count(*) FILTER (WHERE p.removed_at IS NULL AND NOT p.waiting)::int', 'admitted')
      .addSelect('count(*) FILTER (WHERE p.removed_at IS NOT NULL)::int', 'removed')
      .where('p.session_id = :sessionId AND p.network_hash = :networkHash', { sessionId, networkHash })
      .getRawOne<{ admitted: number; removed: number }>();
    return { admitted: row?.admitted ?? 0, removed: (row?.removed ?? 0) > 0 };
  }

  /** Let waiting participants in; returns the voter ids of those who were waiting (not removed). */
  async admit(sessionId: string, participantIds: readonly string[]): Promise<string[]> {
    const rows = await this.manager.query<unknown[]>(
      `UPDATE session_participants SET waiting = false
        WHERE session_id = $1 AND id = ANY($2::uuid[]) AND waiting AND removed_at IS NULL
        RETURNING voter_id`,
      [sessionId, participantIds],
    );
    return returnedRows<{ voter_id: string }>(rows).map((r) => r.voter_id);
  }

  /** End a session (an operator's decision); ending again keeps the first time. Returns whether it exists. */
  async end(id: string): Promise<boolean> {
    await this.manager
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ endedAt: () => 'now()' })
      .where('id = :id AND ended_at IS NULL', { id })
      .execute();
    return this.manager.getRepository(SessionEntity).existsBy({ id });
  }

  /** The latest sessions, newest first, with how many people are in each and how many battles it had. */
  async list(limit: number): Promise<(SessionEntity & { participants: number; battles: number })[]> {
    const { entities, raw } = await this.manager
      .getRepository(SessionEntity)
      .createQueryBuilder('s')
      .addSelect(
        '(SELECT count(*)::int FROM session_participants p WHERE p.session_id = s.id AND p.removed_at IS NULL)',
        'participants',
      )
      .addSelect('(SELECT count(*)::int FROM battles b WHERE b.session_id = s.id)', 'battles')
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id')
      .limit(limit)
      .getRawAndEntities<{ participants: number; battles: number }>();
    return entities.map((s, i) => ({ ...s, participants: raw[i]!.participants, battles: raw[i]!.battles }));
  }

  /** Sessions not ended by an operator. */
  countOpen(): Promise<number> {
    return this.manager.getRepository(SessionEntity).countBy({ endedAt: IsNull() });
  }

  /** Participants not removed, in the order they joined (those waiting included). */
  roster(sessionId: string): Promise<ParticipantEntity[]> {
    return this.manager.getRepository(ParticipantEntity).find({
      where: { sessionId, removedAt: IsNull() },
      order: { joinedAt: 'ASC' },
    });
  }
}
