import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A run's preview may be a live app or a display (issue 16): its kind, and its address for those two. */
export class ExecutionPreviewKind1795986648901 implements MigrationInterface {
  name = 'ExecutionPreviewKind1795986648901';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "executions" ADD "preview_kind" text');
    await queryRunner.query('ALTER TABLE "executions" ADD "preview_url" text');
    await queryRunner.query(`UPDATE "executions" SET "preview_kind" = 'html' WHERE "preview" IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "executions" DROP COLUMN "preview_url"');
    await queryRunner.query('ALTER TABLE "executions" DROP COLUMN "preview_kind"');
  }
}
