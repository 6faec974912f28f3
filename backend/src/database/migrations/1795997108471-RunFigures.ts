import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 17 item 2: the figures a run's program drew (PNG, capped per run), in a table of their own. */
export class RunFigures1795997108471 implements MigrationInterface {
  name = 'RunFigures1795997108471';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "run_figures" ("run_id" uuid NOT NULL, "index" integer NOT NULL, "png" bytea NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "at" integer NOT NULL, "drawn_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5fac2c22bbacf52fa5342ca3d15" PRIMARY KEY ("run_id", "index"))',
    );
    await queryRunner.query(
      'ALTER TABLE "run_figures" ADD CONSTRAINT "FK_5ee07e0e7e4f1d6557d8004dda4" FOREIGN KEY ("run_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_figures" DROP CONSTRAINT "FK_5ee07e0e7e4f1d6557d8004dda4"');
    await queryRunner.query('DROP TABLE "run_figures"');
  }
}
