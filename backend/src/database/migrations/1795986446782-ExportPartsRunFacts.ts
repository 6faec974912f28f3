import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data-set schema 1.3.0: each exported run also says its language, CPU time, peak memory, whether it stored a
 * preview, whether its answer asked for packages and whether a re-run's code was edited. The stored export
 * parts predate these; they are dropped and rebuilt by the next export (they are a cache of the battles).
 */
export class ExportPartsRunFacts1795986446782 implements MigrationInterface {
  name = 'ExportPartsRunFacts1795986446782';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM "export_parts"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM "export_parts"');
  }
}
