import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20 item 5: the boards last computed, one per board query, with a fingerprint of what each was
 * computed from (see `BoardSnapshots`): an arena starting on a million votes serves the last board while it
 * reads every vote's facts again, when nothing counted has changed since.
 */
export class LeaderboardSnapshots1796030000000 implements MigrationInterface {
  name = 'LeaderboardSnapshots1796030000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "leaderboard_snapshots" (
      "key" text PRIMARY KEY,
      "fingerprint" text NOT NULL,
      "board" jsonb NOT NULL,
      "written_at" timestamptz NOT NULL
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "leaderboard_snapshots"');
  }
}
