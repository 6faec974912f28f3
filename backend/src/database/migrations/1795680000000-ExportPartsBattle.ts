import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Export parts carry the battle's own columns (models, category, anonymity), so an export reads votes and
 * parts alone; parts kept so far take them from their battles.
 */
export class ExportPartsBattle1795680000000 implements MigrationInterface {
  name = 'ExportPartsBattle1795680000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "export_parts" ADD "model_a_id" character varying(128), ADD "model_b_id" character varying(128), ADD "category" character varying(64), ADD "anony" boolean',
    );
    await queryRunner.query(
      'UPDATE "export_parts" p SET "model_a_id" = b."model_a_id", "model_b_id" = b."model_b_id", "category" = b."category", "anony" = b."anony" FROM "battles" b WHERE b."id" = p."battle_id"',
    );
    await queryRunner.query(
      'ALTER TABLE "export_parts" ALTER COLUMN "model_a_id" SET NOT NULL, ALTER COLUMN "model_b_id" SET NOT NULL, ALTER COLUMN "anony" SET NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "export_parts" DROP COLUMN "anony", DROP COLUMN "category", DROP COLUMN "model_b_id", DROP COLUMN "model_a_id"',
    );
  }
}
