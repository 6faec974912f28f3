import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `arena eval --store`: a run per model and task set (`eval_runs`), a row per sample run (`eval_results`,
 * one per set, model, task and sample: a resumed run replaces its rows), in time order for the `eval` data set.
 */
export class EvalResults1795985241164 implements MigrationInterface {
  name = 'EvalResults1795985241164';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "eval_runs" ("id" uuid NOT NULL, "task_set_id" character varying(200) NOT NULL, "task_set_name" character varying(200) NOT NULL, "task_set_hash" character(64) NOT NULL, "model" character varying(128) NOT NULL, "model_name" character varying(200) NOT NULL, "samples" integer NOT NULL, "ks" jsonb NOT NULL, "languages" jsonb NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_101cbfa3f6228653c22118190b6" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_eval_runs_task_set" ON "eval_runs" ("task_set_id", "model")');
    await queryRunner.query(
      'CREATE TABLE "eval_results" ("id" uuid NOT NULL, "run_id" uuid NOT NULL, "task_set_id" character varying(200) NOT NULL, "model" character varying(128) NOT NULL, "task_id" character varying(200) NOT NULL, "language" character varying(16) NOT NULL, "sample" integer NOT NULL, "status" character varying(24) NOT NULL, "cpu_ms" integer, "peak_memory_bytes" bigint, "duration_ms" integer, "code" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_36ac6f7b3237bf9555d6aea6ccb" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_eval_results_created" ON "eval_results" ("created_at", "id")');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_eval_results_sample" ON "eval_results" ("task_set_id", "model", "language", "task_id", "sample")',
    );
    await queryRunner.query(
      'ALTER TABLE "eval_results" ADD CONSTRAINT "FK_1e223cf28c6e753bff5d5779eba" FOREIGN KEY ("run_id") REFERENCES "eval_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "eval_results" DROP CONSTRAINT "FK_1e223cf28c6e753bff5d5779eba"');
    await queryRunner.query('DROP INDEX "public"."uq_eval_results_sample"');
    await queryRunner.query('DROP INDEX "public"."idx_eval_results_created"');
    await queryRunner.query('DROP TABLE "eval_results"');
    await queryRunner.query('DROP INDEX "public"."idx_eval_runs_task_set"');
    await queryRunner.query('DROP TABLE "eval_runs"');
  }
}
