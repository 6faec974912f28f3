import { Writable } from 'node:stream';
import { DATASET_FORMATS, DATASET_NAMES, type DatasetFormat, type DatasetName } from '@arena/contracts';
import { until } from '@arena/testkit';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterFirstPage, datasetPages } from '../src/datasets/dataset-pages.js';
import { writeDataset } from '../src/datasets/dataset-writers.js';
import { EXPORT_SLOT_BYTES, EXPORT_SLOTS, ExportWorkers } from '../src/datasets/export-workers.js';
import { startTestArena, type TestArena } from './support/test-arena.js';

/** More than two pages (2,500 rows) of votes, judgements and eval runs. */
const BATTLES = 2_700;
const SALT = 'salt';

/** A stream gathering what it is given; `stall` keeps it from ever finishing a write. */
function collector(stall = false): Writable & { bytes: () => Buffer; writes: number } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      if (!stall) setImmediate(done);
    },
  });
  return Object.assign(out, {
    bytes: () => Buffer.concat(chunks),
    get writes() {
      return chunks.length;
    },
  });
}

/**
 * Exports in worker threads (issue 22 item 3): the same bytes as on the event loop for every data set and
 * format, failures before the first byte, a closed stream ends the worker's query, and the cap on workers.
 */
describe('data-set exports in worker threads', () => {
  let arena: TestArena;
  let dataSource: DataSource;
  let url: string;

  /** The export's connections (by their `application_name`) with a query running. */
  const runningExports = async (): Promise<string[]> =>
    (
      await dataSource.query<{ application_name: string }[]>(
        `SELECT application_name FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'arena-export-%' AND state = 'active'`,
      )
    ).map((r) => r.application_name);

  const workers = (limit: number): ExportWorkers =>
    new ExportWorkers({
      url,
      limit,
      nice: 0,
      cancel: async (applicationName) => {
        await dataSource.query(
          'SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
          [applicationName],
        );
      },
    });

  /** A session holding an exclusive lock on `votes`: an export's first query waits for it. */
  async function lockVotes(): Promise<() => Promise<void>> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE votes IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await client.query('COMMIT');
      await client.end();
    };
  }

  beforeAll(async () => {
    // In-loop exports here (ARENA_EXPORT_WORKERS=0): the tests start their own workers.
    arena = await startTestArena({
      database: 'postgres',
      env: { ARENA_LEADERBOARD_BOOTSTRAP: '0', ARENA_EXPORT_WORKERS: '0' },
    });
    dataSource = arena.app.get(DataSource);
    url = arena.databaseUrl!;
    // One transaction: the judge service's catch-up at start-up (which may run late on a busy machine) sees
    // either nothing or every battle with its judgement, never battles without one to judge meanwhile.
    await dataSource.transaction(async (m) => {
      const ids = `SELECT g, md5('b' || g)::uuid AS id, timestamptz '2026-01-01' + g * interval '1 ms' AS at FROM generate_series(1, ${BATTLES}) g`;
      await m.query(`INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, winner, created_at)
        SELECT id, 'revealed', (ARRAY['web_design','problem_solving'])[1 + g % 2], 'demo-atlas', 'demo-breeze', 'voter-x', 'model_a', at FROM (${ids}) s`);
      await m.query(
        `INSERT INTO turns (id, battle_id, turn, prompt) SELECT md5('t' || g)::uuid, id, 0, 'Say "hi", then a line' || E'\\n' || g FROM (${ids}) s`,
      );
      await m.query(`INSERT INTO side_messages (id, battle_id, turn, side, model_id, text, finish_reason)
        SELECT md5('m' || side || g)::uuid, id, 0, side, 'demo-atlas', 'Answer, with "quotes" and a comma ' || g, 'stop'
          FROM (${ids}) s, (VALUES ('a'), ('b')) sides(side)`);
      await m.query(`INSERT INTO code_extractions (id, battle_id, turn, side, environment, language, code, block_count)
        SELECT md5('c' || side || g)::uuid, id, 0, side, 'javascript', 'javascript', 'console.log(' || g || ');', 1
          FROM (${ids}) s, (VALUES ('a'), ('b')) sides(side)`);
      await m.query(`INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, status, exit_code, output, stdout, stderr, duration_ms, created_at)
        SELECT md5('e' || side || g)::uuid, id, 0, side, 'javascript', 'isolated-vm', 'console.log(1)', 'ok', 0, g || E'\\n', g || E'\\n', '', 3, at
          FROM (${ids}) s, (VALUES ('a'), ('b')) sides(side)`);
      await m.query(`INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
        SELECT md5('v' || g)::uuid, id, 'voter-' || (g % 7), (ARRAY['model_a','model_b','tie','tie (bothbad)'])[1 + g % 4], at FROM (${ids}) s`);
      await m.query(`INSERT INTO judgements (id, battle_id, judge, mode, judge_order, verdict, reasoning, raw_output, latency_ms, created_at)
        SELECT md5('j' || g)::uuid, id, 'execution', 'with_execution', 'ab', 'A', 'A ran, "B" did not', 'A', g, at FROM (${ids}) s`);
      await m.query(`INSERT INTO eval_runs (id, task_set_id, task_set_name, task_set_hash, model, model_name, samples, ks, languages, started_at)
        VALUES (md5('run')::uuid, 'humaneval', 'HumanEval', repeat('a', 64), 'demo-atlas', 'Atlas', 1, '[1]', '["python"]', now())`);
      await m.query(`INSERT INTO eval_results (id, run_id, task_set_id, model, task_id, language, sample, status, cpu_ms, peak_memory_bytes, duration_ms, code, created_at)
        SELECT md5('r' || g)::uuid, md5('run')::uuid, 'humaneval', 'demo-atlas', 'HumanEval/' || g, 'python', 0,
               (ARRAY['passed','failed'])[1 + g % 2], g, g * 1000, g, 'print(' || g || ')', timestamptz '2026-01-01' + g * interval '1 ms'
          FROM generate_series(1, ${BATTLES}) g`);
    });
  });

  afterAll(async () => {
    await arena?.stop();
  });

  /** Today's path: pages read and written on this thread. */
  async function inLoop(name: DatasetName, format: DatasetFormat): Promise<{ rows: number; bytes: Buffer }> {
    const out = collector();
    const rows = await writeDataset(name, format, await afterFirstPage(datasetPages(dataSource, name, {}, SALT)), out);
    return { rows, bytes: out.bytes() };
  }

  it('writes the same bytes as the export on the event loop, for every data set and format (export parts built by each)', async () => {
    const pool = workers(2);
    for (const name of DATASET_NAMES)
      for (const format of DATASET_FORMATS) {
        await dataSource.query('DELETE FROM export_parts');
        const before = await inLoop(name, format);
        await dataSource.query('DELETE FROM export_parts');
        const out = collector();
        const rows = await pool.export(name, format, {}, SALT, out);
        expect(rows, `${name}.${format}`).toBe(BATTLES);
        expect(before.rows).toBe(BATTLES);
        expect(out.bytes().equals(before.bytes), `${name}.${format}`).toBe(true);
        // The worker built the parts itself (and kept them, as an export on the event loop does).
        if (name === 'battles' || name === 'bigcodereward')
          expect((await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM export_parts'))[0]!.n).toBe(
            BATTLES,
          );
      }
    // And filtered: the filters reach the worker's queries.
    const filtered = collector();
    const rows = await pool.export('battles', 'csv', { category: 'web_design' }, SALT, filtered);
    expect(rows).toBe(BATTLES / 2);
    const out = collector();
    await writeDataset(
      'battles',
      'csv',
      await afterFirstPage(datasetPages(dataSource, 'battles', { category: 'web_design' }, SALT)),
      out,
    );
    expect(filtered.bytes().equals(out.bytes())).toBe(true);
  }, 300_000);

  it("hands the bytes over in memory shared with the server's thread: no buffer per chunk, a few slots held", async () => {
    // A buffer per chunk is external memory the server's heap has to collect: full collections of the server's
    // heap, at an export's pace, in the middle of live battles' fan-out.
    const backing = new Set<ArrayBufferLike>();
    const written: Buffer[] = [];
    let inFlight = 0;
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        backing.add(chunk.buffer);
        written.push(Buffer.from(chunk));
        inFlight = Math.max(inFlight, out.writableLength);
        setTimeout(done, 2);
      },
    });
    const rows = await workers(1).export('bigcodereward', 'jsonl', {}, SALT, out);
    expect(rows).toBe(BATTLES);
    const before = await inLoop('bigcodereward', 'jsonl');
    expect(Buffer.concat(written).equals(before.bytes)).toBe(true);
    expect(written.length).toBeGreaterThan(1);
    expect([...backing].map((b) => b.constructor.name)).toEqual(['SharedArrayBuffer']);
    // What the response holds unwritten is at most the slots.
    expect(inFlight).toBeLessThanOrEqual(EXPORT_SLOTS * EXPORT_SLOT_BYTES);
  });

  it('resolves once the stream has written every byte (a small last write behind a slow one included)', async () => {
    const pool = workers(1);
    for (const format of DATASET_FORMATS) {
      const chunks: Buffer[] = [];
      // A slow stream: Parquet's footer (smaller than the stream's buffer) waits behind the row group.
      const slow = new Writable({
        write(chunk: Buffer, _encoding, done) {
          setTimeout(() => {
            chunks.push(Buffer.from(chunk));
            done();
          }, 20);
        },
      });
      await pool.export('judgements', format, {}, SALT, slow);
      const before = await inLoop('judgements', format);
      expect(Buffer.concat(chunks).equals(before.bytes), format).toBe(true);
    }
  });

  it('a failing query rejects before a byte is written, with the database error', async () => {
    await dataSource.query('ALTER TABLE judgements RENAME COLUMN raw_output TO raw_output_gone');
    try {
      for (const format of DATASET_FORMATS) {
        const out = collector();
        await expect(workers(1).export('judgements', format, {}, SALT, out)).rejects.toMatchObject({
          code: '42703',
          message: expect.stringContaining('raw_output') as string,
        });
        expect(out.writes, format).toBe(0);
      }
    } finally {
      await dataSource.query('ALTER TABLE judgements RENAME COLUMN raw_output_gone TO raw_output');
    }
  });

  it('a stream closed mid-export ends the worker and cancels its running query', async () => {
    const unlock = await lockVotes();
    try {
      const out = collector();
      const exported = workers(1).export('battles', 'jsonl', {}, SALT, out);
      exported.catch(() => undefined);
      // The export's queries wait for the lock.
      await until(async () => (await runningExports()).length > 0, 'the export to query');
      out.destroy();
      await expect(exported).rejects.toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
      // Cancelled while the lock is still held: nothing of the export is left running.
      await until(async () => (await runningExports()).length === 0, 'the export query to end');
    } finally {
      await unlock();
    }
  });

  it('a stream destroyed after the last bytes were handed to it, before it wrote them, rejects and the next export runs', async () => {
    const pool = workers(1);
    const held: (() => void)[] = [];
    // A response whose client goes away while the last bytes are still being written: Node calls the write
    // that was in progress back without an error once the stream is destroyed.
    const out = new Writable({
      highWaterMark: 1,
      write(_chunk: Buffer, _encoding, done) {
        held.push(() => done());
      },
    });
    const exported = pool.export('judgements', 'jsonl', {}, SALT, out);
    exported.catch(() => undefined);
    await until(() => held.length > 0, 'the first write');
    // The thread has posted its last bytes and its end by now (one chunk, written without waiting for a slot).
    await new Promise((resolve) => setTimeout(resolve, 200));
    out.destroy();
    held[0]!();
    await expect(exported).rejects.toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
    const next = collector();
    expect(await pool.export('judgements', 'jsonl', {}, SALT, next)).toBe(BATTLES);
    expect(next.bytes().equals((await inLoop('judgements', 'jsonl')).bytes)).toBe(true);
  });

  it('runs at most `limit` exports at once; the next starts when one ends, and a closed one leaves the queue', async () => {
    const pool = workers(1);
    const unlock = await lockVotes();
    let second: Promise<number>;
    let third: Promise<number>;
    const thirdOut = collector();
    try {
      const first = pool.export('battles', 'csv', {}, SALT, collector());
      await until(async () => (await runningExports()).length > 0, 'the first export to query');
      second = pool.export('battles', 'jsonl', {}, SALT, collector());
      third = pool.export('battles', 'jsonl', {}, SALT, thirdOut);
      third.catch(() => undefined);
      expect(pool.active).toBe(1);
      expect(pool.queued).toBe(2);
      thirdOut.destroy();
      await expect(third).rejects.toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
      expect(pool.queued).toBe(1);
      // Only the first export's connections are there: one application name.
      expect(new Set(await runningExports()).size).toBe(1);
      await unlock();
      expect(await first).toBe(BATTLES);
    } catch (error) {
      await unlock().catch(() => undefined);
      throw error;
    }
    expect(await second).toBe(BATTLES);
    expect(pool.active).toBe(0);
    expect(pool.queued).toBe(0);
  });
});
