import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17 item 4: how many screenshots a judge was shown with its verdict (0 or more; null for verdicts stored
 * before the arena kept count), so that agreement separates verdicts made with pictures from those without.
 */
export class JudgementScreenshots1795997441343 implements MigrationInterface {
  name = 'JudgementScreenshots1795997441343';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "judgements" ADD "screenshots" integer');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "judgements" DROP COLUMN "screenshots"');
  }
}
