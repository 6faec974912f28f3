import { randomUUID } from 'node:crypto';
import { ArenaError, emptyTally, type Tally, type Winner } from '@arena/contracts';
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../database/query-results.js';
import { VoteEntity } from './entities/vote.entity.js';

export interface NewVote {
  battleId: string;
  voterId: string;
  winner: Winner;
  /** Set on a participant's vote in a voting session. */
  sessionId?: string | null;
  /** When the vote was cast; the database's clock when absent (imports carry their own). */
  createdAt?: Date;
}

/** Rows per INSERT statement: well under PostgreSQL's 65,535 bind parameters at six columns a row. */
const INSERT_BATCH = 500;

/**
 * The `votes` table: the only class that writes it. Works in whatever transaction it is given, so a vote
 * commits together with the battle change it belongs to.
 */
export class VotesRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The one place a vote row is inserted. A second vote of the same voter on the same battle is
   * `already_voted` (the unique constraint decides, so concurrent votes cannot both count).
   */
  async insert(votes: readonly NewVote[]): Promise<void> {
    try {
      for (let i = 0; i < votes.length; i += INSERT_BATCH) {
        await this.manager.insert(
          VoteEntity,
          votes.slice(i, i + INSERT_BATCH).map((v) => ({
            id: randomUUID(),
            battleId: v.battleId,
            voterId: v.voterId,
            winner: v.winner,
            sessionId: v.sessionId ?? null,
            ...(v.createdAt ? { createdAt: v.createdAt } : {}),
          })),
        );
      }
    } catch (error) {
      if (isUniqueViolation(error, 'uq_votes_battle_voter')) {
        throw new ArenaError('already_voted', 'you have already voted on this battle');
      }
      throw error;
    }
  }

  async hasVoted(battleId: string, voterId: string): Promise<boolean> {
    return this.manager.getRepository(VoteEntity).existsBy({ battleId, voterId });
  }

  /** A session participant's votes, battle → winner. */
  async bySessionVoter(sessionId: string, voterId: string): Promise<Record<string, Winner>> {
    const rows = await this.manager.getRepository(VoteEntity).find({
      select: { battleId: true, winner: true },
      where: { sessionId, voterId },
    });
    return Object.fromEntries(rows.map((v) => [v.battleId, v.winner]));
  }

  /** Counts per outcome of each battle (every battle asked for has a tally, empty when nobody voted). */
  async tallies(battleIds: readonly string[]): Promise<Map<string, Tally>> {
    const out = new Map(battleIds.map((id) => [id, emptyTally()]));
    if (battleIds.length === 0) return out;
    const rows = await this.manager
      .getRepository(VoteEntity)
      .createQueryBuilder('v')
      .select(['v.battle_id AS battle_id', 'v.winner AS winner', 'count(*)::int AS n'])
      .where('v.battle_id = ANY(:ids::uuid[])', { ids: battleIds })
      .groupBy('v.battle_id')
      .addGroupBy('v.winner')
      .getRawMany<{ battle_id: string; winner: Winner; n: number }>();
    for (const row of rows) {
      const tally = out.get(row.battle_id)!;
      tally.counts[row.winner] = row.n;
      tally.voters += row.n;
    }
    return out;
  }

  /** Withdraw a voter's votes on the session's battles still open; returns those battles. */
  async withdrawOpen(sessionId: string, voterId: string): Promise<string[]> {
    const result = await this.manager
      .createQueryBuilder()
      .delete()
      .from(VoteEntity)
      .where('voter_id = :voterId', { voterId })
      .andWhere(
        "battle_id IN (SELECT b.id FROM battles b WHERE b.session_id = :sessionId AND b.status <> 'revealed')",
        {
          sessionId,
        },
      )
      .returning('battle_id')
      .execute();
    return (result.raw as { battle_id: string }[]).map((r) => r.battle_id);
  }
}
