import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ExecutionPreview1795650603768 implements MigrationInterface {
  name = 'ExecutionPreview1795650603768';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"executions\" ADD \"preview\" text");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"executions\" DROP COLUMN \"preview\"");
  }
}
