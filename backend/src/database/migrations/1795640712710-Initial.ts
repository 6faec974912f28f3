import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795640712710 implements MigrationInterface {
  name = 'Initial1795640712710';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"models\" (\"id\" character varying(128) NOT NULL, \"name\" character varying(200) NOT NULL, \"provider\" character varying(32) NOT NULL, \"weight\" double precision NOT NULL DEFAULT '1', \"active\" boolean NOT NULL DEFAULT true, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_ef9ed7160ea69013636466bf2d5\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TABLE \"battles\" (\"id\" uuid NOT NULL, \"status\" character varying(16) NOT NULL, \"category\" character varying(64), \"model_a_id\" character varying(128) NOT NULL, \"model_b_id\" character varying(128) NOT NULL, \"creator_voter_id\" character varying(64) NOT NULL, \"anony\" boolean NOT NULL DEFAULT true, \"winner\" character varying(16), \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"revealed_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"PK_23c1704905b19ad7f8b957ac916\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"idx_battles_status_created\" ON \"battles\"  (\"status\", \"created_at\") ");
    await queryRunner.query("CREATE TABLE \"code_extractions\" (\"id\" uuid NOT NULL, \"battle_id\" uuid NOT NULL, \"turn\" integer NOT NULL, \"side\" character(1) NOT NULL, \"environment\" character varying(32) NOT NULL, \"language\" character varying(32) NOT NULL, \"code\" text NOT NULL, \"install_command\" text, \"block_count\" integer NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"uq_code_extractions_battle_turn_side\" UNIQUE (\"battle_id\", \"turn\", \"side\"), CONSTRAINT \"PK_23f8e92dd299d33cdf7b2f79243\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TABLE \"executions\" (\"id\" uuid NOT NULL, \"battle_id\" uuid NOT NULL, \"turn\" integer NOT NULL, \"side\" character(1) NOT NULL, \"environment\" character varying(32) NOT NULL, \"runner\" character varying(16) NOT NULL, \"code\" text NOT NULL, \"stdin\" text, \"status\" character varying(16), \"exit_code\" integer, \"output\" text NOT NULL DEFAULT '', \"stdout\" text NOT NULL DEFAULT '', \"stderr\" text NOT NULL DEFAULT '', \"message\" text, \"duration_ms\" integer, \"cpu_ms\" integer, \"peak_memory_bytes\" bigint, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"finished_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"PK_703e64e0ef651986191844b7b8b\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"idx_executions_battle\" ON \"executions\"  (\"battle_id\", \"turn\", \"side\") ");
    await queryRunner.query("CREATE TABLE \"side_messages\" (\"id\" uuid NOT NULL, \"battle_id\" uuid NOT NULL, \"turn\" integer NOT NULL, \"side\" character(1) NOT NULL, \"model_id\" character varying(128) NOT NULL, \"text\" text NOT NULL DEFAULT '', \"finish_reason\" character varying(16), \"error\" text, \"error_detail\" text, \"output_tokens\" integer, \"first_token_ms\" integer, \"duration_ms\" integer, \"meta\" jsonb, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"uq_side_messages_battle_turn_side\" UNIQUE (\"battle_id\", \"turn\", \"side\"), CONSTRAINT \"PK_ac6aff3b628f7478de384e7750c\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TABLE \"turns\" (\"id\" uuid NOT NULL, \"battle_id\" uuid NOT NULL, \"turn\" integer NOT NULL, \"prompt\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"uq_turns_battle_turn\" UNIQUE (\"battle_id\", \"turn\"), CONSTRAINT \"PK_66edaea493f45e3c39d7c3553ed\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TABLE \"votes\" (\"id\" uuid NOT NULL, \"battle_id\" uuid NOT NULL, \"voter_id\" character varying(64) NOT NULL, \"winner\" character varying(16) NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"uq_votes_battle_voter\" UNIQUE (\"battle_id\", \"voter_id\"), CONSTRAINT \"PK_f3d9fd4a0af865152c3f59db8ff\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("ALTER TABLE \"battles\" ADD CONSTRAINT \"FK_82310e59d503328b9b5f3cf3d76\" FOREIGN KEY (\"model_a_id\") REFERENCES \"models\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"battles\" ADD CONSTRAINT \"FK_0ffa568d66375e891ba2cec8c00\" FOREIGN KEY (\"model_b_id\") REFERENCES \"models\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"code_extractions\" ADD CONSTRAINT \"FK_7a646af942614aa13d00a6b0004\" FOREIGN KEY (\"battle_id\") REFERENCES \"battles\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"executions\" ADD CONSTRAINT \"FK_fcca49ffd0c25dd5c33e57f0dae\" FOREIGN KEY (\"battle_id\") REFERENCES \"battles\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"side_messages\" ADD CONSTRAINT \"FK_dfed962f0c82b78f0fa4c0c86d7\" FOREIGN KEY (\"battle_id\") REFERENCES \"battles\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"turns\" ADD CONSTRAINT \"FK_05cae7b7b55abc91e5c14adb81d\" FOREIGN KEY (\"battle_id\") REFERENCES \"battles\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"votes\" ADD CONSTRAINT \"FK_3c702abf1f59d2d539b0636cff3\" FOREIGN KEY (\"battle_id\") REFERENCES \"battles\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"votes\" DROP CONSTRAINT \"FK_3c702abf1f59d2d539b0636cff3\"");
    await queryRunner.query("ALTER TABLE \"turns\" DROP CONSTRAINT \"FK_05cae7b7b55abc91e5c14adb81d\"");
    await queryRunner.query("ALTER TABLE \"side_messages\" DROP CONSTRAINT \"FK_dfed962f0c82b78f0fa4c0c86d7\"");
    await queryRunner.query("ALTER TABLE \"executions\" DROP CONSTRAINT \"FK_fcca49ffd0c25dd5c33e57f0dae\"");
    await queryRunner.query("ALTER TABLE \"code_extractions\" DROP CONSTRAINT \"FK_7a646af942614aa13d00a6b0004\"");
    await queryRunner.query("ALTER TABLE \"battles\" DROP CONSTRAINT \"FK_0ffa568d66375e891ba2cec8c00\"");
    await queryRunner.query("ALTER TABLE \"battles\" DROP CONSTRAINT \"FK_82310e59d503328b9b5f3cf3d76\"");
    await queryRunner.query("DROP TABLE \"votes\"");
    await queryRunner.query("DROP TABLE \"turns\"");
    await queryRunner.query("DROP TABLE \"side_messages\"");
    await queryRunner.query("DROP INDEX \"public\".\"idx_executions_battle\"");
    await queryRunner.query("DROP TABLE \"executions\"");
    await queryRunner.query("DROP TABLE \"code_extractions\"");
    await queryRunner.query("DROP INDEX \"public\".\"idx_battles_status_created\"");
    await queryRunner.query("DROP TABLE \"battles\"");
    await queryRunner.query("DROP TABLE \"models\"");
  }
}
