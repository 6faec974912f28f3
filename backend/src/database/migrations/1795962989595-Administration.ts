import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Administration (issue 19): operators' model settings (enabled, weight, models added through the API),
 * hidden battles, banned voters, ended sessions.
 */
export class Administration1795962989595 implements MigrationInterface {
  name = 'Administration1795962989595';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"voter_bans\" (\"voter_hash\" character(32) NOT NULL, \"voter_id\" character varying(64) NOT NULL, \"banned_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_8af4a866cd7e30cdab2a86d0f45\" PRIMARY KEY (\"voter_hash\"))");
    await queryRunner.query("CREATE INDEX \"idx_voter_bans_voter\" ON \"voter_bans\"  (\"voter_id\") ");
    await queryRunner.query("ALTER TABLE \"models\" ADD \"enabled\" boolean NOT NULL DEFAULT true");
    await queryRunner.query("ALTER TABLE \"models\" ADD \"weight_override\" double precision");
    await queryRunner.query("ALTER TABLE \"models\" ADD \"spec\" jsonb");
    await queryRunner.query("ALTER TABLE \"battles\" ADD \"hidden_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"sessions\" ADD \"ended_at\" TIMESTAMP WITH TIME ZONE");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"sessions\" DROP COLUMN \"ended_at\"");
    await queryRunner.query("ALTER TABLE \"battles\" DROP COLUMN \"hidden_at\"");
    await queryRunner.query("ALTER TABLE \"models\" DROP COLUMN \"spec\"");
    await queryRunner.query("ALTER TABLE \"models\" DROP COLUMN \"weight_override\"");
    await queryRunner.query("ALTER TABLE \"models\" DROP COLUMN \"enabled\"");
    await queryRunner.query("DROP INDEX \"public\".\"idx_voter_bans_voter\"");
    await queryRunner.query("DROP TABLE \"voter_bans\"");
  }
}
