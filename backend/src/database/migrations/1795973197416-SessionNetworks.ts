import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Voting sessions bind participation to a network (issue 19, item 9): a session's join policy, and per
 * participant the keyed hash of the address it joined from and whether it waits for the host.
 */
export class SessionNetworks1795973197416 implements MigrationInterface {
  name = 'SessionNetworks1795973197416';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"sessions\" ADD \"join_policy\" character varying(8) NOT NULL DEFAULT 'open'");
    await queryRunner.query("ALTER TABLE \"session_participants\" ADD \"network_hash\" character(64)");
    await queryRunner.query("ALTER TABLE \"session_participants\" ADD \"waiting\" boolean NOT NULL DEFAULT false");
    await queryRunner.query("CREATE INDEX \"idx_session_participants_network\" ON \"session_participants\"  (\"session_id\", \"network_hash\") ");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"public\".\"idx_session_participants_network\"");
    await queryRunner.query("ALTER TABLE \"session_participants\" DROP COLUMN \"waiting\"");
    await queryRunner.query("ALTER TABLE \"session_participants\" DROP COLUMN \"network_hash\"");
    await queryRunner.query("ALTER TABLE \"sessions\" DROP COLUMN \"join_policy\"");
  }
}
