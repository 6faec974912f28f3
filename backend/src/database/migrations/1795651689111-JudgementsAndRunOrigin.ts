import type { MigrationInterface, QueryRunner } from 'typeorm';

export class JudgementsAndRunOrigin1795651689111 implements MigrationInterface {
  name = 'JudgementsAndRunOrigin1795651689111';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"judgements\" (\"id\" uuid NOT NULL, \"battle_id\" uuid NOT NULL, \"judge\" character varying(128) NOT NULL, \"mode\" character varying(24) NOT NULL, \"judge_order\" character varying(2) NOT NULL, \"verdict\" character varying(16) NOT NULL, \"label\" character varying(8), \"reasoning\" text NOT NULL, \"raw_output\" text NOT NULL, \"latency_ms\" integer, \"attempts\" integer NOT NULL DEFAULT '1', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_7ba5a452e0f781f85794caac188\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"idx_judgements_created\" ON \"judgements\"  (\"created_at\", \"id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_judgements_battle_judge_mode_order\" ON \"judgements\"  (\"battle_id\", \"judge\", \"mode\", \"judge_order\") ");
    await queryRunner.query("ALTER TABLE \"executions\" ADD \"origin\" character varying(8) NOT NULL DEFAULT 'answer'");
    await queryRunner.query("ALTER TABLE \"judgements\" ADD CONSTRAINT \"FK_6dfba6edda70b8af556546b7a8f\" FOREIGN KEY (\"battle_id\") REFERENCES \"battles\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"judgements\" DROP CONSTRAINT \"FK_6dfba6edda70b8af556546b7a8f\"");
    await queryRunner.query("ALTER TABLE \"executions\" DROP COLUMN \"origin\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_judgements_battle_judge_mode_order\"");
    await queryRunner.query("DROP INDEX \"public\".\"idx_judgements_created\"");
    await queryRunner.query("DROP TABLE \"judgements\"");
  }
}
