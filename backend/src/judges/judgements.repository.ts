import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { JudgementEntity } from './judgement.entity.js';

export type NewJudgement = Omit<JudgementEntity, 'id' | 'battle' | 'createdAt'>;

/**
 * The `judgements` table: the only class that writes it. Raw SQL where a query spans tables (the
 * catch-up scan); TypeORM's repository and query builder elsewhere.
 */
export class JudgementsRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Store a verdict; one already stored for the same battle, judge, mode and order wins (a restart's duplicate). */
  async insert(judgement: NewJudgement): Promise<void> {
    await this.manager
      .getRepository(JudgementEntity)
      .createQueryBuilder()
      .insert()
      .values({ id: randomUUID(), ...judgement })
      .orIgnore()
      .execute();
  }

  /** A battle's verdicts are stale (the conversation went on): they go. */
  async deleteFor(battleId: string): Promise<void> {
    await this.manager.getRepository(JudgementEntity).delete({ battleId });
  }

  /** `judge|mode|order` of the verdicts a battle already has. */
  async doneFor(battleId: string): Promise<Set<string>> {
    const rows = await this.manager.getRepository(JudgementEntity).find({
      select: { judge: true, mode: true, order: true },
      where: { battleId },
    });
    return new Set(rows.map((r) => `${r.judge}|${r.mode}|${r.order}`));
  }

  /**
   * Battles that can be judged (voting or revealed) with fewer than `wanted` verdicts from `judges`, oldest
   * first. One statement with a correlated count: it runs once at start-up over every battle.
   */
  async underJudged(judges: string[], wanted: number, limit: number): Promise<string[]> {
    const rows = await this.manager.query<{ id: string }[]>(
      `SELECT b.id FROM battles b
        WHERE b.status IN ('voting', 'revealed')
          AND (SELECT count(*) FROM judgements j WHERE j.battle_id = b.id AND j.judge = ANY($1)) < $2
        ORDER BY b.created_at LIMIT $3`,
      [judges, wanted, limit],
    );
    return rows.map((r) => r.id);
  }
}
