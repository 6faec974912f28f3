import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ExportParts1795665851448 implements MigrationInterface {
  name = 'ExportParts1795665851448';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"export_parts\" (\"battle_id\" uuid NOT NULL, \"source_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"conversation_a\" text NOT NULL, \"conversation_b\" text NOT NULL, \"turns\" integer NOT NULL, \"language\" text, \"environment\" text, \"code_a\" text, \"code_b\" text, \"executions_a\" text NOT NULL, \"executions_b\" text NOT NULL, \"instruction\" text NOT NULL, \"output_a\" text NOT NULL, \"output_b\" text NOT NULL, \"error_a\" text NOT NULL, \"error_b\" text NOT NULL, \"states\" text NOT NULL, CONSTRAINT \"PK_68b6efc50e706bd775f7888eadd\" PRIMARY KEY (\"battle_id\"))");
    await queryRunner.query("ALTER TABLE \"export_parts\" ADD CONSTRAINT \"FK_68b6efc50e706bd775f7888eadd\" FOREIGN KEY (\"battle_id\") REFERENCES \"battles\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"export_parts\" DROP CONSTRAINT \"FK_68b6efc50e706bd775f7888eadd\"");
    await queryRunner.query("DROP TABLE \"export_parts\"");
  }
}
