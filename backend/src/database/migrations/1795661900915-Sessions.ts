import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Sessions1795661900915 implements MigrationInterface {
  name = 'Sessions1795661900915';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"sessions\" (\"id\" uuid NOT NULL, \"title\" character varying(120) NOT NULL, \"join_code\" character varying(8) NOT NULL, \"host_key_hash\" character(64) NOT NULL, \"host_voter_id\" character varying(64) NOT NULL, \"current_battle_id\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_3238ef96f18b355b671619111bc\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_sessions_join_code\" ON \"sessions\"  (\"join_code\") ");
    await queryRunner.query("CREATE TABLE \"session_participants\" (\"id\" uuid NOT NULL, \"session_id\" uuid NOT NULL, \"voter_id\" character varying(64) NOT NULL, \"nickname\" character varying(32) NOT NULL, \"removed_at\" TIMESTAMP WITH TIME ZONE, \"joined_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"uq_session_participants_voter\" UNIQUE (\"session_id\", \"voter_id\"), CONSTRAINT \"PK_f186de01f7f809e45eaa9bd5b84\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("ALTER TABLE \"battles\" ADD \"session_id\" uuid");
    await queryRunner.query("ALTER TABLE \"votes\" ADD \"session_id\" uuid");
    await queryRunner.query("CREATE INDEX \"idx_battles_session\" ON \"battles\"  (\"session_id\") ");
    await queryRunner.query("ALTER TABLE \"session_participants\" ADD CONSTRAINT \"FK_0f44aaaaf807cef66c6fa9494a8\" FOREIGN KEY (\"session_id\") REFERENCES \"sessions\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"session_participants\" DROP CONSTRAINT \"FK_0f44aaaaf807cef66c6fa9494a8\"");
    await queryRunner.query("DROP INDEX \"public\".\"idx_battles_session\"");
    await queryRunner.query("ALTER TABLE \"votes\" DROP COLUMN \"session_id\"");
    await queryRunner.query("ALTER TABLE \"battles\" DROP COLUMN \"session_id\"");
    await queryRunner.query("DROP TABLE \"session_participants\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_sessions_join_code\"");
    await queryRunner.query("DROP TABLE \"sessions\"");
  }
}
