import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20 item 5: one narrow row per vote with what the leaderboard needs of it (models, outcome, voter,
 * breakdown facets, both sides' execution facts, FastChat's eight style counts, the identity flag and the
 * identity-word list it was computed with, the prompt keys as hashes and a short preview), so the board never
 * reads the answers' texts again. Written by the leaderboard when a vote comes to count; votes already there
 * are filled in at start-up, in batches (the style counts need the tokenizer, in Node), before the first
 * board.
 */
export class VoteFacts1796008726971 implements MigrationInterface {
  name = 'VoteFacts1796008726971';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "vote_facts" (
      "vote_id" uuid PRIMARY KEY REFERENCES "votes" ("id") ON DELETE CASCADE,
      "battle_id" uuid NOT NULL REFERENCES "battles" ("id") ON DELETE CASCADE,
      "revealed_at" timestamptz NOT NULL,
      "tstamp_ms" double precision NOT NULL,
      "model_a" text NOT NULL,
      "model_b" text NOT NULL,
      "winner" text NOT NULL,
      "voter_id" text NOT NULL,
      "anony" boolean NOT NULL,
      "category" text,
      "lang_a" text,
      "lang_b" text,
      "env_a" text,
      "env_b" text,
      "both_ran" boolean NOT NULL,
      "session" boolean NOT NULL,
      "turns" integer NOT NULL,
      "exec_a" smallint NOT NULL,
      "exec_b" smallint NOT NULL,
      "tokens_a" integer NOT NULL,
      "headers_a" integer NOT NULL,
      "lists_a" integer NOT NULL,
      "bold_a" integer NOT NULL,
      "tokens_b" integer NOT NULL,
      "headers_b" integer NOT NULL,
      "lists_b" integer NOT NULL,
      "bold_b" integer NOT NULL,
      "reveals_identity" boolean NOT NULL,
      "identity_key" text NOT NULL,
      "prompt_key" text NOT NULL,
      "dedup_hash" text NOT NULL,
      "prompt_preview" text NOT NULL,
      "complete" boolean NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX "idx_vote_facts_order" ON "vote_facts" ("revealed_at", "vote_id")');
    await queryRunner.query('CREATE INDEX "idx_vote_facts_battle" ON "vote_facts" ("battle_id")');
    await queryRunner.query('CREATE INDEX "idx_vote_facts_dedup" ON "vote_facts" ("dedup_hash")');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "vote_facts"');
  }
}
