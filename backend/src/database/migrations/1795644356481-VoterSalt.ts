import type { MigrationInterface, QueryRunner } from 'typeorm';

export class VoterSalt1795644356481 implements MigrationInterface {
  name = 'VoterSalt1795644356481';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"arena_settings\" (\"key\" character varying(64) NOT NULL, \"value\" text NOT NULL, CONSTRAINT \"PK_ece001530dd3fd8cfec5faa8c03\" PRIMARY KEY (\"key\"))");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TABLE \"arena_settings\"");
  }
}
