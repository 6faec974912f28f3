import type { MigrationInterface, QueryRunner } from 'typeorm';

export class VotesByTime1795644939506 implements MigrationInterface {
  name = 'VotesByTime1795644939506';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE INDEX \"idx_votes_created\" ON \"votes\"  (\"created_at\", \"id\") ");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"public\".\"idx_votes_created\"");
  }
}
