import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 17: whether a run's screenshot is all one colour (the execution judge counts a non-blank one as output). */
export class RunScreenshotsBlank1795988889212 implements MigrationInterface {
  name = 'RunScreenshotsBlank1795988889212';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_screenshots" ADD "blank" boolean NOT NULL DEFAULT false');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_screenshots" DROP COLUMN "blank"');
  }
}
