import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 17: what the creator did inside a rendered run (`preview:interaction`), one row per run. */
export class RunInteractions1795987593356 implements MigrationInterface {
  name = 'RunInteractions1795987593356';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "run_interactions" ("run_id" uuid NOT NULL, "events" jsonb NOT NULL, "count" integer NOT NULL, CONSTRAINT "PK_5e68dabe0917474a5c656a38450" PRIMARY KEY ("run_id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "run_interactions" ADD CONSTRAINT "FK_5e68dabe0917474a5c656a38450" FOREIGN KEY ("run_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_interactions" DROP CONSTRAINT "FK_5e68dabe0917474a5c656a38450"');
    await queryRunner.query('DROP TABLE "run_interactions"');
  }
}
