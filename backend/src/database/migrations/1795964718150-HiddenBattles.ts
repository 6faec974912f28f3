import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hidden battles move from a column of `battles` to a table of their own (see `HiddenBattleEntity`): public
 * queries filter them with a small hashed `NOT IN` instead of a condition on battles the embedded database's
 * planner cannot estimate. Battles hidden so far stay hidden.
 */
export class HiddenBattles1795964718150 implements MigrationInterface {
  name = 'HiddenBattles1795964718150';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "hidden_battles" ("battle_id" uuid NOT NULL, "hidden_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7071173c38ba74d873deb997b19" PRIMARY KEY ("battle_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "hidden_battles" ("battle_id", "hidden_at") SELECT "id", "hidden_at" FROM "battles" WHERE "hidden_at" IS NOT NULL',
    );
    await queryRunner.query('ALTER TABLE "battles" DROP COLUMN "hidden_at"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "battles" ADD "hidden_at" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query(
      'UPDATE "battles" b SET "hidden_at" = h."hidden_at" FROM "hidden_battles" h WHERE h."battle_id" = b."id"',
    );
    await queryRunner.query('DROP TABLE "hidden_battles"');
  }
}
