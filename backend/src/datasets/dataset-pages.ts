import type { DatasetName, DatasetQuery } from '@arena/contracts';
import pg from 'pg';
import {
  copyBinaryRows,
  copyMemory,
  fieldBytes,
  isoMicros,
  type BinaryRows,
  type CopyMemory,
} from '../database/binary-copy.js';
import { battleShown, voterCounted } from '../moderation/visibility.js';
import { fieldTransforms, sqlColumns } from './dataset-columns.js';
import type { DatasetDb } from './dataset-db.js';
import { buildExportPartsFor } from './export-parts.js';

/**
 * A page of a data set: rows of field bytes as PostgreSQL sent them (binary COPY), the data set's columns
 * from `offset` on, in `DATASET_COLUMNS` order; a null field is SQL NULL.
 */
export interface DatasetPage {
  rows: BinaryRows;
  offset: number;
  /** The writer is done with these rows: their buffer may receive another page. */
  release: () => void;
}

/** Rows per page (one COPY): a few megabytes, whatever the data set's size. */
export const PAGE_SIZE = 2_500;
/**
 * Rows per page of a data set whose rows carry pictures (`bigcodereward`: two JPEGs of up to ~100 kB each in
 * base64): a page stays a few tens of megabytes, pages read ahead included.
 */
export const PICTURE_PAGE_SIZE = 200;

/** A row's key in time order: its `created_at` (exact ISO text) and id. */
interface Cursor {
  at: string;
  id: string;
}

/**
 * Which rows a page holds, by keyset on (created_at, id): those after `after` (from the start without it)
 * up to and including `upTo` (to the end without it), at most `limit`. A range between two page bounds
 * holds a page of rows but for rows added since the bounds were read: its limit is twice a page, which
 * leaves room for those (the rest, if any, is read by a further page) and keeps the plan the one of a small
 * page (index order, nested loops) instead of a scan of every part.
 */
interface PageRange {
  after?: Cursor;
  upTo?: Cursor;
  limit: number;
}

/**
 * The WHERE clause of one page: its keyset range over the rows in `alias` (votes or judgements), the time
 * window on the same column, and category and environment on the battle `b` (see `battleJoin`). COPY takes
 * no parameters: values are escaped literals.
 */
function pageFilter(query: DatasetQuery, alias: Alias, range: PageRange): string {
  const where: string[] = [];
  const literal = (value: string): string => pg.escapeLiteral(value);
  const key = (cursor: Cursor): string => `(${literal(cursor.at)}::timestamptz, ${literal(cursor.id)}::uuid)`;
  if (range.after) where.push(`(${alias}.created_at, ${alias}.id) > ${key(range.after)}`);
  if (range.upTo) where.push(`(${alias}.created_at, ${alias}.id) <= ${key(range.upTo)}`);
  if (query.since) where.push(`${alias}.created_at >= ${literal(query.since)}::timestamptz`);
  if (query.until) where.push(`${alias}.created_at < ${literal(query.until)}::timestamptz`);
  if (alias === 'r') {
    // Eval runs have no category; their environment is the task's language (the sandbox it ran in).
    if (query.category) where.push('FALSE');
    if (query.environment) where.push(`r.language = ${literal(query.environment)}`);
  } else if (query.category) where.push(`b.category = ${literal(query.category)}`);
  if (query.environment && alias !== 'r')
    where.push(
      `EXISTS (SELECT 1 FROM code_extractions c WHERE c.battle_id = ${alias}.battle_id AND c.environment = ${literal(query.environment)})`,
    );
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/**
 * The memory pages are received in, given back once written: an export reuses a few (each as large as the
 * largest page so far) instead of allocating a buffer and a field index per page.
 */
class PageMemory {
  private readonly free: CopyMemory[] = [];
  private bytes = 1 << 20;
  private fields = 1 << 16;

  take(): CopyMemory {
    return this.free.pop() ?? copyMemory(this.bytes, this.fields);
  }

  give(memory: CopyMemory): void {
    this.bytes = Math.max(this.bytes, memory.buffer.length);
    this.fields = Math.max(this.fields, memory.offsets.length);
    const fits = memory.buffer.length >= this.bytes && memory.offsets.length >= this.fields;
    if (fits && this.free.length < READ_AHEAD + 2) this.free.push(memory);
  }
}

/**
 * Run one page's COPY on a pooled connection, released before anything else is asked of the pool. Parallel
 * workers are off for it: started anew for every page, they cost more than the page.
 */
async function copyPage(dataSource: DatasetDb, sql: string, memory: PageMemory): Promise<BinaryRows> {
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as pg.ClientBase;
    await client.query('SET max_parallel_workers_per_gather = 0');
    try {
      return await copyBinaryRows(client, sql, memory.take());
    } finally {
      await client.query('RESET max_parallel_workers_per_gather');
    }
  } finally {
    await runner.release();
  }
}

/** A data set's rows: votes `v`, judgements `j` (both of battles `b`), eval results `r`. */
type Alias = 'v' | 'j' | 'r';
const ALIAS: Record<DatasetName, Alias> = { battles: 'v', bigcodereward: 'v', judgements: 'j', eval: 'r' };
const TABLE: Record<Alias, string> = { v: 'votes v', j: 'judgements j', r: 'eval_results r' };

/** Head fields of a vote page's rows before the data set's columns. */
const VOTE_HEAD = ['v.created_at', 'v.id', 'v.battle_id', 'p.battle_id IS NOT NULL'];

/**
 * Rows of revealed battles only: a verdict of a battle still open (a judge's, or a session participant's
 * vote, whose row names the models) would tell whoever downloads it what no voter may know before voting.
 * Nor a battle an operator hid, nor a banned voter's vote. The battle `b` also serves the filters on it; the
 * columns come from the votes, judgements and export parts.
 */
function battleJoin(alias: Alias): string {
  // Eval results belong to no battle: every stored run is public.
  if (alias === 'r') return '';
  // The operators' filters apply to the votes or judgements themselves (hashed filters on their scan).
  const shown = ` JOIN battles b ON b.id = ${alias}.battle_id AND b.status = 'revealed' AND ${battleShown(`${alias}.battle_id`)}`;
  return alias === 'v' ? `${shown} AND ${voterCounted('v')}` : shown;
}
const JUDGEMENT_HEAD = ['j.created_at', 'j.id'];
const EVAL_HEAD = ['r.created_at', 'r.id'];

/**
 * One page of a vote data set: votes in time order (keyset) with their battles' current export parts; for
 * battles found without them (never built, or older than the battle) they are built in bulk, kept, and
 * filled in.
 */
async function votePage(
  dataSource: DatasetDb,
  name: 'battles' | 'bigcodereward',
  query: DatasetQuery,
  range: PageRange,
  memory: PageMemory,
  buildBatch: number,
): Promise<BinaryRows> {
  const columns = sqlColumns(name);
  const rows = await copyPage(
    dataSource,
    `SELECT ${[...VOTE_HEAD, ...columns.map((c) => c.sql)].join(', ')}
       FROM votes v${battleJoin('v')}
       LEFT JOIN export_parts p ON p.battle_id = v.battle_id
      ${pageFilter(query, 'v', range)}
      ORDER BY v.created_at, v.id
      LIMIT ${range.limit}`,
    memory,
  );
  // The rows of each battle found without parts.
  const missing = new Map<string, number[]>();
  for (let r = 0; r < rows.count; r++) {
    if (rows.bool(r, 3)) continue;
    const battle = rows.uuid(r, 2)!;
    const list = missing.get(battle);
    if (list) list.push(r);
    else missing.set(battle, [r]);
  }
  const fill = columns.flatMap((c, i) => (c.part ? [{ at: VOTE_HEAD.length + i, part: c.part }] : []));
  const battles = [...missing.keys()];
  // Built `buildBatch` battles at a time: what one build reads and serialises is held only until its rows
  // are filled, whatever the page's size.
  for (let i = 0; i < battles.length; i += buildBatch) {
    const built = await buildExportPartsFor(dataSource, battles.slice(i, i + buildBatch));
    for (const [battle, parts] of built)
      for (const r of missing.get(battle)!) for (const { at, part } of fill) rows.set(r, at, fieldBytes(parts[part]));
  }
  return rows;
}

/** Battles whose export parts are built at once, when an export finds them without. */
const BUILD_BATCH = 500;

/** One page of judge verdicts in time order (keyset); the filters apply to the judged battle. */
function judgementPage(
  dataSource: DatasetDb,
  query: DatasetQuery,
  range: PageRange,
  memory: PageMemory,
): Promise<BinaryRows> {
  return copyPage(
    dataSource,
    `SELECT ${[...JUDGEMENT_HEAD, ...sqlColumns('judgements').map((c) => c.sql)].join(', ')}
       FROM judgements j${battleJoin('j')}
      ${pageFilter(query, 'j', range)}
      ORDER BY j.created_at, j.id
      LIMIT ${range.limit}`,
    memory,
  );
}

/** One page of eval sample runs in time order (keyset); `environment` filters by language. */
function evalPage(
  dataSource: DatasetDb,
  query: DatasetQuery,
  range: PageRange,
  memory: PageMemory,
): Promise<BinaryRows> {
  return copyPage(
    dataSource,
    `SELECT ${[...EVAL_HEAD, ...sqlColumns('eval').map((c) => c.sql)].join(', ')}
       FROM eval_results r
      ${pageFilter(query, 'r', range)}
      ORDER BY r.created_at, r.id
      LIMIT ${range.limit}`,
    memory,
  );
}

/**
 * The keys that end every `size`-th row of a data set (one pass over the time index), so that pages can be
 * read ahead before the ones before them are in.
 */
async function pageBounds(
  dataSource: DatasetDb,
  name: DatasetName,
  query: DatasetQuery,
  size: number,
): Promise<Cursor[]> {
  const alias = ALIAS[name];
  const table = TABLE[alias];
  const rows = await dataSource.query<{ at: string; id: string }[]>(
    `SELECT created_at::text AS at, id FROM (
       SELECT ${alias}.created_at, ${alias}.id, row_number() OVER (ORDER BY ${alias}.created_at, ${alias}.id) AS n
         FROM ${table}${battleJoin(alias)} ${pageFilter(query, alias, { limit: size })}) s
      WHERE n % ${size} = 0 ORDER BY n`,
  );
  return rows.map((r) => ({ at: r.at, id: r.id }));
}

/** Pages read ahead of the one being written. */
const READ_AHEAD = 2;

/**
 * The rows of a data set, a page at a time, each page one binary COPY: the first page and the page bounds
 * are read at once, then pages by keyset range, `READ_AHEAD` of them read while one is written, then pages
 * from the last bound on (rows added meanwhile) — memory stays flat whatever the size.
 * Only revealed battles are in any data set (see `battleJoin`).
 */
export async function* datasetPages(
  dataSource: DatasetDb,
  name: DatasetName,
  query: DatasetQuery,
  salt: string,
  pageSize = name === 'bigcodereward' ? PICTURE_PAGE_SIZE : PAGE_SIZE,
  buildBatch = BUILD_BATCH,
): AsyncGenerator<DatasetPage> {
  const offset = name === 'judgements' ? JUDGEMENT_HEAD.length : name === 'eval' ? EVAL_HEAD.length : VOTE_HEAD.length;
  const transforms = await fieldTransforms(dataSource, name, salt, offset);
  const memory = new PageMemory();
  const page = async (range: PageRange): Promise<BinaryRows> => {
    const rows =
      name === 'judgements'
        ? await judgementPage(dataSource, query, range, memory)
        : name === 'eval'
          ? await evalPage(dataSource, query, range, memory)
          : await votePage(dataSource, name, query, range, memory, buildBatch);
    for (const { at, to } of transforms)
      for (let r = 0; r < rows.count; r++) {
        const text = rows.text(r, at);
        if (text !== null) rows.set(r, at, to(text));
      }
    return rows;
  };
  const pageOf = (rows: BinaryRows): DatasetPage => ({ rows, offset, release: () => memory.give(rows.memory) });
  const lastKey = (rows: BinaryRows): Cursor => ({
    at: isoMicros(rows.micros(rows.count - 1, 0)!),
    id: rows.uuid(rows.count - 1, 1)!,
  });
  // If the reader stops early, a failure of a page read ahead is nobody's to handle.
  const ahead = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => undefined);
    return promise;
  };
  const bounds = ahead(pageBounds(dataSource, name, query, pageSize));
  const first = await page({ limit: pageSize });
  if (first.count < pageSize) {
    if (first.count > 0) yield pageOf(first);
    return;
  }
  // Ranges between the bounds after the first page (which ended at the first bound, but for rows added since).
  const ranges: PageRange[] = [];
  let after = lastKey(first);
  for (const bound of (await bounds).slice(1)) {
    ranges.push({ after, upTo: bound, limit: 2 * pageSize });
    after = bound;
  }
  const pending: { range: PageRange; rows: Promise<BinaryRows> }[] = [];
  let scheduled = 0;
  const schedule = (): void => {
    while (pending.length < READ_AHEAD && scheduled < ranges.length) {
      const range = ranges[scheduled++]!;
      pending.push({ range, rows: ahead(page(range)) });
    }
  };
  schedule();
  yield pageOf(first);
  while (pending.length > 0) {
    const { range } = pending[0]!;
    let rows = await pending.shift()!.rows;
    schedule();
    // A range that grew past its limit is finished by further pages before the ranges after it. Where its
    // rest starts is read before the page is handed over: the writer may give the page's buffer back as soon
    // as it has written it, and a page being read may take it.
    let rest = rows.count === range.limit ? lastKey(rows) : undefined;
    if (rows.count > 0) yield pageOf(rows);
    while (rest) {
      rows = await page({ ...range, after: rest });
      rest = rows.count === range.limit ? lastKey(rows) : undefined;
      if (rows.count > 0) yield pageOf(rows);
    }
  }
  // What follows the last bound: pages of `pageSize`, one read ahead.
  let next = ahead(page({ after, limit: pageSize }));
  for (;;) {
    const rows = await next;
    if (rows.count === 0) return;
    const more = rows.count === pageSize;
    if (more) next = ahead(page({ after: lastKey(rows), limit: pageSize }));
    yield pageOf(rows);
    if (!more) return;
  }
}

/** How many rows a data set has (of revealed battles, as exported) and when its newest row was made. */
export async function datasetCounts(
  dataSource: DatasetDb,
  name: DatasetName,
): Promise<{ rows: number; lastUpdate: string | null }> {
  const alias = ALIAS[name];
  const [row] = await dataSource.query<{ n: string; last: Date | null }[]>(
    `SELECT count(*) AS n, max(${alias}.created_at) AS last FROM ${TABLE[alias]}${battleJoin(alias)}`,
  );
  return { rows: Number(row?.n ?? 0), lastUpdate: row?.last ? new Date(row.last).toISOString() : null };
}

/**
 * The pages, once the first is in: nothing is written (not even Parquet's leading magic bytes) before the
 * export's first query has answered, so a failing query can still be answered with an error instead of a
 * download broken off.
 */
export async function afterFirstPage(pages: AsyncGenerator<DatasetPage>): Promise<AsyncGenerator<DatasetPage>> {
  const first = await pages.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* pages;
  })();
}
