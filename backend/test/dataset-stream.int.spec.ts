import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetPages } from '../src/datasets/dataset-pages.js';
import { writeDataset } from '../src/datasets/dataset-writers.js';
import { startTestArena, type TestArena } from './support/test-arena.js';

const BATTLES = 300;

/**
 * The bigcodereward export streams its pictures (issue 17 item 5): its pages are 200 rows, fewer than the writer
 * counted before handing bytes over, so before the fix the whole export was gathered in memory and written in
 * one piece at the end (the bench: 4.6 GB of server memory for 2.8 GB of export).
 */
describe('bigcodereward JSONL with screenshots', () => {
  let arena: TestArena;
  let dataSource: DataSource;
  beforeAll(async () => {
    arena = await startTestArena({ database: 'postgres', env: { ARENA_LEADERBOARD_BOOTSTRAP: '0' } });
    dataSource = arena.app.get(DataSource);
    // Voted battles written by SQL, each side's run with a 46 kB picture.
    const ids = `SELECT g, md5('b' || g)::uuid AS id, now() - (g || ' seconds')::interval AS at FROM generate_series(1, ${BATTLES}) g`;
    await dataSource.query(`INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, winner, created_at)
      SELECT id, 'revealed', 'web_design', 'demo-atlas', 'demo-breeze', 'voter-x', 'model_a', at FROM (${ids}) s`);
    await dataSource.query(
      `INSERT INTO turns (id, battle_id, turn, prompt) SELECT md5('t' || g)::uuid, id, 0, 'A page' FROM (${ids}) s`,
    );
    await dataSource.query(`INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
      SELECT md5('v' || g)::uuid, id, 'voter-' || (g % 7), 'model_a', at FROM (${ids}) s`);
    await dataSource.query(`INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, status, exit_code, output, stdout, stderr, duration_ms, created_at)
      SELECT md5('e' || side || g)::uuid, id, 0, side, 'html', 'web', '<p>hi</p>', 'ok', 0, '', '', '', 1, at
        FROM (${ids}) s, (VALUES ('a'), ('b')) sides(side)`);
    await dataSource.query(`INSERT INTO run_screenshots (run_id, jpeg, width, height, source)
      SELECT e.id, decode(repeat(md5(e.id::text), 2880), 'hex'), 1024, 768, 'preview' FROM executions e`);
  });
  afterAll(async () => {
    await arena?.stop();
  });

  it('hands the stream a megabyte at a time, never the whole export at once', async () => {
    const writes: number[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push(chunk.length);
        setImmediate(done);
      },
    });
    const rows = await writeDataset(
      'bigcodereward',
      'jsonl',
      datasetPages(dataSource, 'bigcodereward', {}, 'salt'),
      out,
    );
    expect(rows).toBe(BATTLES);
    const total = writes.reduce((sum, n) => sum + n, 0);
    // Two base64 pictures of 46 kB per row: about 37 MB in all.
    expect(total).toBeGreaterThan(BATTLES * 2 * 60_000);
    // Each write is about a megabyte (one row may push it past): the export never sits whole in memory.
    expect(Math.max(...writes)).toBeLessThan(2 * 1024 * 1024);
    expect(writes.length).toBeGreaterThan(total / (2 * 1024 * 1024));
  });
});
