import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetPages, type DatasetPage } from '../src/datasets/dataset-pages.js';
import { DATABASES, startTestArena, type TestArena } from './support/test-arena.js';

const BASE = Date.parse('2026-01-01T00:00:00Z');

/** Voted battles written by SQL (no export parts, as after an upgrade), one per vote time. */
async function addVotes(dataSource: DataSource, times: number[]): Promise<void> {
  for (const at of times) {
    const battleId = randomUUID();
    const created = new Date(at).toISOString();
    await dataSource.query(
      `INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, winner, created_at)
       VALUES ($1, 'revealed', 'problem_solving', 'demo-atlas', 'demo-breeze', 'voter-x', 'model_a', $2)`,
      [battleId, created],
    );
    await dataSource.query(
      `INSERT INTO votes (id, battle_id, voter_id, winner, created_at) VALUES ($1, $2, $3, 'model_a', $4)`,
      [randomUUID(), battleId, `voter-${at % 7}`, created],
    );
  }
}

/** The models (export-part columns) of a page's rows, in order. */
function modelPairs(page: DatasetPage): string[] {
  return Array.from(
    { length: page.rows.count },
    (_, r) => `${page.rows.text(r, page.offset + 1)} vs ${page.rows.text(r, page.offset + 2)}`,
  );
}

/** The question ids (battle ids) a page holds, in order. */
function questionIds(page: DatasetPage): string[] {
  return Array.from({ length: page.rows.count }, (_, r) => page.rows.text(r, page.offset)!);
}

for (const database of DATABASES) {
  describe(`data set pages (${database})`, () => {
    let arena: TestArena;
    let dataSource: DataSource;

    beforeAll(async () => {
      arena = await startTestArena({ database, env: { ARENA_LEADERBOARD_BOOTSTRAP: '0' } });
      dataSource = arena.app.get(DataSource);
    });

    afterAll(async () => {
      await arena?.stop();
    });

    it('reads every vote once, in time order, across page bounds, read-ahead and votes added mid-export', async () => {
      await addVotes(
        dataSource,
        Array.from({ length: 23 }, (_, i) => BASE + i * 1000),
      );
      // Pages of 5: the first page, then ranges ending at votes 10, 15 and 20 (two read ahead), then the rest;
      // the battles' export parts built two at a time.
      const pages = datasetPages(dataSource, 'battles', {}, 'salt', 5, 2);
      const seen: string[] = [];
      const models: string[] = [];
      const first = await pages.next();
      expect(first.done).toBe(false);
      seen.push(...questionIds(first.value as DatasetPage));
      models.push(...modelPairs(first.value as DatasetPage));
      // Eleven votes inside the range of votes 16 to 20, not read yet: that range outgrows its limit (10)
      // and is finished by a further page before the rest.
      await addVotes(
        dataSource,
        Array.from({ length: 11 }, (_, i) => BASE + 15_000 + 100 + i),
      );
      for await (const page of pages) {
        seen.push(...questionIds(page));
        models.push(...modelPairs(page));
        page.release();
      }
      const expected = await dataSource.query<{ battle_id: string }[]>(
        'SELECT battle_id FROM votes ORDER BY created_at, id',
      );
      expect(seen).toHaveLength(34);
      expect(seen).toEqual(expected.map((r) => r.battle_id));
      // Every row has its battle's columns, filled in from the parts built on the way.
      expect(models).toEqual(seen.map(() => 'demo-atlas vs demo-breeze'));
      // Battles written without export parts got theirs on the way, stamped with the battle's own time.
      const [parts] = await dataSource.query<{ n: string; stale: string }[]>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE p.source_at < b.updated_at) AS stale
           FROM export_parts p JOIN battles b ON b.id = p.battle_id`,
      );
      expect(Number(parts!.n)).toBe(34);
      expect(Number(parts!.stale)).toBe(0);
    });

    it('applies the time window and category filters to the pages and their bounds', async () => {
      const since = new Date(BASE + 4_000).toISOString();
      const until = new Date(BASE + 17_000).toISOString();
      const seen: string[] = [];
      for await (const page of datasetPages(dataSource, 'battles', { since, until }, 'salt', 4)) {
        seen.push(...questionIds(page));
      }
      const expected = await dataSource.query<{ battle_id: string }[]>(
        'SELECT battle_id FROM votes WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id',
        [since, until],
      );
      expect(expected.length).toBeGreaterThan(8);
      expect(seen).toEqual(expected.map((r) => r.battle_id));
      let other = 0;
      for await (const page of datasetPages(dataSource, 'battles', { category: 'web_design' }, 'salt', 4))
        other += page.rows.count;
      expect(other).toBe(0);
    });

    it('downloads abandoned mid-way give their connections back: a whole download after them is complete', async () => {
      // Enough votes (their battles without export parts, built on the way) that a download is still going
      // when its client leaves.
      await dataSource.query(
        `WITH ids AS (SELECT gen_random_uuid() AS id, g FROM generate_series(1, 10000) g),
              b AS (INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, winner, created_at)
                    SELECT id, 'revealed', 'problem_solving', 'demo-atlas', 'demo-breeze', 'voter-x', 'model_a',
                           timestamptz '2026-02-01 00:00:00+00' + g * interval '1 ms' FROM ids)
         INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
         SELECT gen_random_uuid(), id, 'voter-' || (g % 7), 'model_a', timestamptz '2026-02-01 00:00:00+00' + g * interval '1 ms'
           FROM ids`,
      );
      const [count] = await dataSource.query<{ votes: number }[]>('SELECT count(*)::int AS votes FROM votes');
      for (const format of ['jsonl', 'parquet', 'csv', 'jsonl', 'parquet', 'csv']) {
        const controller = new AbortController();
        const response = await fetch(`${arena.url}/api/datasets/battles.${format}`, { signal: controller.signal });
        expect(response.status).toBe(200);
        const first = await response.body!.getReader().read();
        expect(first.done).toBe(false);
        controller.abort();
      }
      const lines = (await (await fetch(`${arena.url}/api/datasets/battles.jsonl`)).text()).trim().split('\n');
      expect(lines).toHaveLength(count!.votes);
    });
  });
}
