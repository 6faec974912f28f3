import { DATASET_FORMATS, DATASET_NAMES, type DatasetName } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../src/datasets/dataset-pages.js';
import { DATABASES, startTestArena, type TestArena } from './support/test-arena.js';

/** More failing requests than the larger pool (PostgreSQL's 10 connections; PGlite has one). */
const FAILING_REQUESTS = 12;

/** Revealed, voted battles written by SQL (no export parts yet), one judgement each, a millisecond apart from `start`. */
async function addBattles(dataSource: DataSource, count: number, start: string): Promise<void> {
  await dataSource.query(
    `WITH ids AS (SELECT gen_random_uuid() AS id, g, $2::timestamptz + g * interval '1 ms' AS at
                    FROM generate_series(1, $1::int) g),
          b AS (INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, winner, created_at)
                SELECT id, 'revealed', 'problem_solving', 'demo-atlas', 'demo-breeze', 'voter-x', 'model_a', at FROM ids
                RETURNING id),
          v AS (INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
                SELECT gen_random_uuid(), ids.id, 'voter-' || (g % 7), 'model_a', at FROM ids JOIN b ON b.id = ids.id
                RETURNING battle_id)
     INSERT INTO judgements (id, battle_id, judge, mode, judge_order, verdict, reasoning, raw_output, latency_ms, created_at)
     SELECT gen_random_uuid(), ids.id, 'execution', 'with_execution', 'ab', 'A', 'A ran', 'A ran', 1, at
       FROM ids JOIN v ON v.battle_id = ids.id`,
    [count, start],
  );
}

/** A column each data set's page query reads, and nothing else an export or the leaderboard asks for first. */
const COPIED_COLUMN: Record<DatasetName, [table: string, column: string]> = {
  battles: ['export_parts', 'executions_a'],
  bigcodereward: ['export_parts', 'states'],
  judgements: ['judgements', 'raw_output'],
  eval: ['eval_results', 'code'],
};
/** The data sets of battles, which `addBattles` fills (`eval` holds runs of `arena eval --store`: none here). */
const BATTLE_DATASETS = DATASET_NAMES.filter((name) => name !== 'eval');

interface ErrorAnswer {
  error: { code: string; message: string };
}

for (const database of DATABASES) {
  describe(`data-set export failures (${database})`, () => {
    let arena: TestArena;
    let dataSource: DataSource;

    beforeAll(async () => {
      arena = await startTestArena({ database, env: { ARENA_LEADERBOARD_BOOTSTRAP: '0' } });
      dataSource = arena.app.get(DataSource);
      await addBattles(dataSource, 3, '2026-01-01T00:00:00Z');
    });

    afterAll(async () => {
      await arena?.stop();
    });

    const download = (file: string, query = ''): Promise<Response> =>
      fetch(`${arena.url}/api/datasets/${file}${query}`);

    /** Every data set downloads whole in every format, and the leaderboard answers. */
    async function everythingAnswers(rows: number): Promise<void> {
      for (const name of BATTLE_DATASETS) {
        const lines = (await (await download(`${name}.jsonl`)).text()).trim().split('\n');
        expect(lines, name).toHaveLength(rows);
        for (const format of DATASET_FORMATS) {
          const response = await download(`${name}.${format}`);
          expect(response.status, `${name}.${format}`).toBe(200);
          expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
        }
      }
      expect((await fetch(`${arena.url}/api/leaderboard`)).status).toBe(200);
    }

    it('refuses filters PostgreSQL would refuse with 400 invalid_input, before any query', async () => {
      const bad = [
        '?since=0000-01-01T00:00:00Z',
        '?until=2026-02-30T00:00:00Z',
        '?since=2026-01-01T00:00:00%2B16:00',
        '?category=%00',
        '?environment=%00',
        '?category=web%0Adesign',
        `?environment=${'x'.repeat(33)}`,
      ];
      for (const query of bad)
        for (const name of DATASET_NAMES)
          for (const format of DATASET_FORMATS) {
            const response = await download(`${name}.${format}`, query);
            expect(response.status, `${name}.${format}${query}`).toBe(400);
            expect(((await response.json()) as ErrorAnswer).error.code).toBe('invalid_input');
          }
      const card = await download('battles/README.md', '?category=%00');
      expect(card.status).toBe(400);
      await everythingAnswers(3);
    });

    it('a page query that fails answers 500 internal and gives its connection back: every data set and format, more times than the pool has connections', async () => {
      for (const name of DATASET_NAMES) {
        const [table, column] = COPIED_COLUMN[name];
        await dataSource.query(`ALTER TABLE ${table} RENAME COLUMN ${column} TO ${column}_gone`);
        try {
          for (const format of DATASET_FORMATS) {
            const answers = await Promise.all(
              Array.from({ length: FAILING_REQUESTS }, async () => {
                const response = await download(`${name}.${format}`);
                return { status: response.status, body: (await response.json()) as ErrorAnswer };
              }),
            );
            for (const { status, body } of answers) {
              expect(status, `${name}.${format}`).toBe(500);
              expect(body.error.code).toBe('internal');
              // The database's own message stays in the log.
              expect(body.error.message).not.toContain(column);
            }
          }
        } finally {
          await dataSource.query(`ALTER TABLE ${table} RENAME COLUMN ${column}_gone TO ${column}`);
        }
      }
      await everythingAnswers(3);
    });

    it('a failure after the download started breaks it off, and gives its connection back', async () => {
      // A first page of battles with export parts, then battles without, whose parts fail to build.
      await addBattles(dataSource, PAGE_SIZE, '2026-02-01T00:00:00Z');
      expect((await (await download('battles.jsonl')).text()).trim().split('\n')).toHaveLength(3 + PAGE_SIZE);
      await addBattles(dataSource, PAGE_SIZE, '2026-03-01T00:00:00Z');
      await dataSource.query('ALTER TABLE turns RENAME COLUMN prompt TO prompt_gone');
      try {
        for (let i = 0; i < FAILING_REQUESTS; i++) {
          const response = await download('battles.parquet');
          // Parquet's leading bytes went out with the first page: the only signal left is a broken download.
          expect(response.status).toBe(200);
          await expect(response.arrayBuffer()).rejects.toThrow();
        }
      } finally {
        await dataSource.query('ALTER TABLE turns RENAME COLUMN prompt_gone TO prompt');
      }
      await everythingAnswers(3 + 2 * PAGE_SIZE);
    });
  });
}
