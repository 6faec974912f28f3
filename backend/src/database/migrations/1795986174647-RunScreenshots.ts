import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 17: the picture of what a run rendered (a JPEG of at most 1024×768), one per run, in a table of its own. */
export class RunScreenshots1795986174647 implements MigrationInterface {
  name = 'RunScreenshots1795986174647';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "run_screenshots" ("run_id" uuid NOT NULL, "jpeg" bytea NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "source" character varying(16) NOT NULL, "taken_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d89dba8308697db24e1a39feef8" PRIMARY KEY ("run_id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "run_screenshots" ADD CONSTRAINT "FK_d89dba8308697db24e1a39feef8" FOREIGN KEY ("run_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_screenshots" DROP CONSTRAINT "FK_d89dba8308697db24e1a39feef8"');
    await queryRunner.query('DROP TABLE "run_screenshots"');
  }
}
