import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where stderr sits in a run's output, stored with the run: a late viewer draws an interleaved run's streams
 * apart as a live one did. Runs stored before it keep none (their stderr is placed where it can be told).
 */
export class ExecutionStderrRanges1795974336967 implements MigrationInterface {
  name = 'ExecutionStderrRanges1795974336967';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "executions" ADD "stderr_ranges" jsonb');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "executions" DROP COLUMN "stderr_ranges"');
  }
}
