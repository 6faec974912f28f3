import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20 item 5: the leaderboard reads new votes by the battle's reveal time (after its cursor); without an
 * index on it each read after a vote scanned every battle (a second at a million votes).
 */
export class BattlesRevealedIndex1796001246115 implements MigrationInterface {
  name = 'BattlesRevealedIndex1796001246115';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX "idx_battles_revealed" ON "battles" ("revealed_at") ');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_battles_revealed"');
  }
}
