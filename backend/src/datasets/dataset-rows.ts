import { createHmac, randomBytes } from 'node:crypto';
import {
  DATASET_COLUMNS,
  type BigCodeRewardRow,
  type ChatMessageRow,
  type DatasetName,
  type DatasetQuery,
  type ExecutionRow,
  type Winner,
} from '@arena/contracts';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { copyBinaryRows, copyMemory, type BinaryRows, type CopyMemory } from '../database/binary-copy.js';
import { SettingEntity } from '../database/setting.entity.js';

/** The salt of voter hashes: configured, or made once and kept in the database so hashes stay stable. */
export async function voterSalt(dataSource: DataSource, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const repo = dataSource.getRepository(SettingEntity);
  await repo
    .createQueryBuilder()
    .insert()
    .values({ key: 'voter_salt', value: randomBytes(32).toString('hex') })
    .orIgnore()
    .execute();
  return (await repo.findOneByOrFail({ key: 'voter_salt' })).value;
}

export function hashVoter(salt: string, voterId: string): string {
  return createHmac('sha256', salt).update(voterId).digest('hex').slice(0, 32);
}

/** The columns of `export_parts`, as read. */
interface Parts {
  model_a_id: string;
  model_b_id: string;
  category: string | null;
  anony: boolean;
  conversation_a: string;
  conversation_b: string;
  turns: number;
  language: string | null;
  environment: string | null;
  code_a: string | null;
  code_b: string | null;
  executions_a: string;
  executions_b: string;
  instruction: string;
  output_a: string;
  output_b: string;
  error_a: string;
  error_b: string;
  states: string;
}
const PART_COLUMNS = [
  'model_a_id',
  'model_b_id',
  'category',
  'anony',
  'conversation_a',
  'conversation_b',
  'turns',
  'language',
  'environment',
  'code_a',
  'code_b',
  'executions_a',
  'executions_b',
  'instruction',
  'output_a',
  'output_b',
  'error_a',
  'error_b',
  'states',
] as const satisfies readonly (keyof Parts)[];
const PART_TYPES: Record<keyof Parts, string> = {
  model_a_id: 'text',
  model_b_id: 'text',
  category: 'text',
  anony: 'boolean',
  conversation_a: 'text',
  conversation_b: 'text',
  turns: 'int',
  language: 'text',
  environment: 'text',
  code_a: 'text',
  code_b: 'text',
  executions_a: 'text',
  executions_b: 'text',
  instruction: 'text',
  output_a: 'text',
  output_b: 'text',
  error_a: 'text',
  error_b: 'text',
  states: 'text',
};

interface BattleParts {
  battle: Pick<Parts, 'model_a_id' | 'model_b_id' | 'category' | 'anony'>;
  /** Turn prompts in order. */
  prompts: string[];
  /** [turn, side, text] of every answer. */
  messages: [number, 'a' | 'b', string][];
  /** [side, environment, language, code] of every extraction, in turn order. */
  code: [string, string, string, string][];
  runs: (ExecutionRow & { side: 'a' | 'b' })[];
}

/**
 * Everything some battles recorded, as plain rows fetched in bulk (one query per table, run at once on the
 * pool) and put together here.
 */
async function readBattles(dataSource: DataSource, ids: string[]): Promise<Map<string, BattleParts>> {
  const [battles, turns, messages, code, runs] = await Promise.all([
    dataSource.query<(BattleParts['battle'] & { id: string })[]>(
      'SELECT id, model_a_id, model_b_id, category, anony FROM battles WHERE id = ANY($1::uuid[])',
      [ids],
    ),
    dataSource.query<{ battle_id: string; prompt: string }[]>(
      'SELECT battle_id, prompt FROM turns WHERE battle_id = ANY($1::uuid[]) ORDER BY battle_id, turn',
      [ids],
    ),
    dataSource.query<{ battle_id: string; turn: number; side: 'a' | 'b'; text: string }[]>(
      'SELECT battle_id, turn, side, text FROM side_messages WHERE battle_id = ANY($1::uuid[]) ORDER BY turn',
      [ids],
    ),
    dataSource.query<{ battle_id: string; side: string; environment: string; language: string; code: string }[]>(
      'SELECT battle_id, side, environment, language, code FROM code_extractions WHERE battle_id = ANY($1::uuid[]) ORDER BY turn',
      [ids],
    ),
    dataSource.query<(ExecutionRow & { battle_id: string; side: 'a' | 'b' })[]>(
      `SELECT battle_id, side, turn, environment, runner, status, exit_code, stdout, stderr, duration_ms, origin
         FROM executions WHERE battle_id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [ids],
    ),
  ]);
  const parts = new Map<string, BattleParts>();
  for (const { id, ...battle } of battles) parts.set(id, { battle, prompts: [], messages: [], code: [], runs: [] });
  for (const t of turns) parts.get(t.battle_id)?.prompts.push(t.prompt);
  for (const m of messages) parts.get(m.battle_id)?.messages.push([m.turn, m.side, m.text]);
  for (const c of code) parts.get(c.battle_id)?.code.push([c.side, c.environment, c.language, c.code]);
  for (const { battle_id, ...run } of runs) parts.get(battle_id)?.runs.push(run);
  return parts;
}

/** A battle's export parts, from what it recorded. */
function partsOf(battle: BattleParts): Parts {
  const conversation = (side: 'a' | 'b'): ChatMessageRow[] =>
    battle.prompts.flatMap((prompt, turn) => {
      const answer = battle.messages.find(([t, s]) => t === turn && s === side);
      return [
        { role: 'user' as const, content: prompt },
        ...(answer ? [{ role: 'assistant' as const, content: answer[2] }] : []),
      ];
    });
  const lastCode = (side: 'a' | 'b'): { environment: string; language: string; code: string } | undefined => {
    const found = battle.code.filter(([s]) => s === side).at(-1);
    return found ? { environment: found[1], language: found[2], code: found[3] } : undefined;
  };
  const runs = (side: 'a' | 'b'): ExecutionRow[] =>
    battle.runs.filter((r) => r.side === side).map(({ side: _side, ...run }) => run);
  const executions = { a: runs('a'), b: runs('b') };
  const conversations = { a: conversation('a'), b: conversation('b') };
  const code = { a: lastCode('a'), b: lastCode('b') };
  const shown = code.a ?? code.b;
  // The answer's own run of the last turn: re-runs from the UI (possibly edited code) are not the model's.
  const last = (side: 'a' | 'b'): ExecutionRow | undefined =>
    executions[side].filter((e) => e.origin === 'answer' && e.turn === battle.prompts.length - 1)[0] ??
    executions[side].at(-1);
  const state = (side: 'a' | 'b'): BigCodeRewardRow['states']['model_A'] => ({
    messages: conversations[side].map((m): [string, string] => [m.role, m.content]),
    sandbox_logs_by_round: battle.prompts.map((_, turn) => executions[side].filter((e) => e.turn === turn)),
  });
  return {
    ...battle.battle,
    conversation_a: JSON.stringify(conversations.a),
    conversation_b: JSON.stringify(conversations.b),
    turns: battle.prompts.length,
    language: shown?.language ?? null,
    environment: shown?.environment ?? null,
    code_a: code.a?.code ?? null,
    code_b: code.b?.code ?? null,
    executions_a: JSON.stringify(executions.a),
    executions_b: JSON.stringify(executions.b),
    instruction: battle.prompts.join('\n\n'),
    output_a: last('a')?.stdout ?? '',
    output_b: last('b')?.stdout ?? '',
    error_a: last('a')?.stderr ?? '',
    error_b: last('b')?.stderr ?? '',
    states: JSON.stringify({ model_A: state('a'), model_B: state('b') }),
  };
}

/**
 * Serialise what the data sets say of these battles and keep it (`export_parts`), stamped with the
 * `updated_at` each battle had before its parts were read. They are kept only while the battle still has
 * that `updated_at`, under a share lock of its row: a change of its runs (which bumps `updated_at` and
 * deletes its parts, see `invalidateExportParts`) made meanwhile either comes first, and nothing is kept,
 * or waits, and deletes them. Called when a vote is committed, and by an export for battles it finds
 * without parts; returns what it built (kept or not).
 */
async function buildExportParts(
  dataSource: DataSource,
  candidates: { id: string; sourceAt: string }[],
): Promise<Map<string, Parts>> {
  if (candidates.length === 0) return new Map();
  const read = await readBattles(
    dataSource,
    candidates.map((b) => b.id),
  );
  const list = candidates.filter((b) => read.has(b.id));
  const built = new Map(list.map((b) => [b.id, partsOf(read.get(b.id)!)]));
  const columns = ['battle_id', 'source_at', ...PART_COLUMNS];
  const types = ['uuid', 'timestamptz', ...PART_COLUMNS.map((c) => PART_TYPES[c])];
  const values = [
    list.map((b) => b.id),
    list.map((b) => b.sourceAt),
    ...PART_COLUMNS.map((c) => list.map((b) => built.get(b.id)![c])),
  ];
  await dataSource.query(
    `INSERT INTO export_parts (${columns.join(', ')})
     SELECT u.* FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS u(${columns.join(', ')})
       JOIN battles b ON b.id = u.battle_id AND b.updated_at = u.source_at
       FOR SHARE OF b
     ON CONFLICT (battle_id) DO UPDATE SET ${columns
       .slice(1)
       .map((c) => `${c} = EXCLUDED.${c}`)
       .join(', ')}
     WHERE export_parts.source_at <= EXCLUDED.source_at`,
    values,
  );
  return built;
}

/** Build the export parts of battles (just voted on, or found without them), their `updated_at` read now. */
export async function buildExportPartsFor(dataSource: DataSource, battleIds: string[]): Promise<Map<string, Parts>> {
  const rows = await dataSource.query<{ id: string; source_at: string }[]>(
    'SELECT id, updated_at::text AS source_at FROM battles WHERE id = ANY($1::uuid[])',
    [battleIds],
  );
  return buildExportParts(
    dataSource,
    rows.map((r) => ({ id: r.id, sourceAt: r.source_at })),
  );
}

/**
 * A battle's runs changed: its `updated_at` moves on and the export parts kept of it go, in one transaction
 * (the update's row lock orders it with a build, see `buildExportParts`); the next export builds them anew.
 */
export async function invalidateExportParts(dataSource: DataSource, battleId: string): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query('UPDATE battles SET updated_at = now() WHERE id = $1', [battleId]);
    await manager.query('DELETE FROM export_parts WHERE battle_id = $1', [battleId]);
  });
}

const HUMAN_VOTE: Record<Winner, BigCodeRewardRow['human_vote']> = {
  model_a: 'vote_model_A',
  model_b: 'vote_model_B',
  tie: 'vote_tie',
  'tie (bothbad)': 'vote_both_bad',
};

/** How a column's value travels in the binary COPY (and so how a writer reads its bytes). */
export type Wire = 'text' | 'int4' | 'bool' | 'timestamptz';

/** A data-set column as PostgreSQL computes it. */
interface SqlColumn {
  sql: string;
  wire: Wire;
  /** The `export_parts` column it reads: filled from freshly built parts when its battle had none. */
  part?: keyof Parts;
  /** Replaced on the way: a voter id by its salted hash, a category by its number. */
  transform?: 'voter_hash' | 'category_id';
}

const part = (column: keyof Parts): SqlColumn => ({
  sql: `p.${column}`,
  wire: column === 'turns' ? 'int4' : column === 'anony' ? 'bool' : 'text',
  part: column,
});
const text = (sql: string): SqlColumn => ({ sql, wire: 'text' });

/**
 * Every data set's columns (in `DATASET_COLUMNS` order), as SQL over votes `v` and export parts `p` (which
 * carry what the data sets say of the battle), or judgements `j`.
 */
const SQL_COLUMNS: Record<DatasetName, Record<string, SqlColumn>> = {
  battles: {
    question_id: text('v.battle_id::text'),
    model_a: part('model_a_id'),
    model_b: part('model_b_id'),
    winner: text('v.winner'),
    judge: { sql: 'v.voter_id', wire: 'text', transform: 'voter_hash' },
    conversation_a: part('conversation_a'),
    conversation_b: part('conversation_b'),
    turn: part('turns'),
    anony: part('anony'),
    language: part('language'),
    tstamp: { sql: 'v.created_at', wire: 'timestamptz' },
    environment: part('environment'),
    category: part('category'),
    code_a: part('code_a'),
    code_b: part('code_b'),
    executions_a: part('executions_a'),
    executions_b: part('executions_b'),
    session_vote: { sql: 'v.session_id IS NOT NULL', wire: 'bool' },
  },
  bigcodereward: {
    chat_session_id: text('v.battle_id::text'),
    instruction: part('instruction'),
    human_vote: text(
      `CASE v.winner ${Object.entries(HUMAN_VOTE)
        .map(([winner, vote]) => `WHEN '${winner}' THEN '${vote}'`)
        .join(' ')} END`,
    ),
    model_A: part('model_a_id'),
    model_B: part('model_b_id'),
    category_id: { ...part('category'), transform: 'category_id' },
    category_name: part('category'),
    execution_output_A: part('output_a'),
    execution_output_B: part('output_b'),
    execution_error_A: part('error_a'),
    execution_error_B: part('error_b'),
    states: part('states'),
  },
  judgements: {
    battle_id: text('j.battle_id::text'),
    judge: text('j.judge'),
    mode: text('j.mode'),
    order: text('j.judge_order'),
    verdict: text('j.verdict'),
    reasoning: text('j.reasoning'),
    raw_output: text('j.raw_output'),
    latency_ms: { sql: 'j.latency_ms', wire: 'int4' },
    created_at: { sql: 'j.created_at', wire: 'timestamptz' },
  },
};

function sqlColumns(name: DatasetName): SqlColumn[] {
  return DATASET_COLUMNS[name].map((c) => SQL_COLUMNS[name][c.name]!);
}

/** How each column of a data set's rows reaches the writers (after the voter and category transforms). */
export function datasetWires(name: DatasetName): Wire[] {
  return sqlColumns(name).map((c) => (c.transform === 'category_id' ? 'int4' : c.wire));
}

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
 * window on the same column, and category and environment on the battle `b`. COPY takes no parameters:
 * values are escaped literals.
 */
function pageFilter(query: DatasetQuery, alias: 'v' | 'j', range: PageRange): string {
  const where: string[] = [];
  const literal = (value: string): string => pg.escapeLiteral(value);
  const key = (cursor: Cursor): string => `(${literal(cursor.at)}::timestamptz, ${literal(cursor.id)}::uuid)`;
  if (range.after) where.push(`(${alias}.created_at, ${alias}.id) > ${key(range.after)}`);
  if (range.upTo) where.push(`(${alias}.created_at, ${alias}.id) <= ${key(range.upTo)}`);
  if (query.since) where.push(`${alias}.created_at >= ${literal(query.since)}::timestamptz`);
  if (query.until) where.push(`${alias}.created_at < ${literal(query.until)}::timestamptz`);
  if (query.category) where.push(`b.category = ${literal(query.category)}`);
  if (query.environment)
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

interface Cursor {
  at: string;
  id: string;
}

/** Microseconds since the epoch as exact ISO text, for a keyset or a parts stamp. */
function isoMicros(micros: bigint): string {
  const iso = new Date(Number(micros / 1000n)).toISOString();
  return `${iso.slice(0, 23)}${String(((micros % 1000n) + 1000n) % 1000n).padStart(3, '0')}Z`;
}

/**
 * Run one page's COPY on a pooled connection, released before anything else is asked of the pool. Parallel
 * workers are off for it: started anew for every page, they cost more than the page.
 */
async function copyPage(dataSource: DataSource, sql: string, memory: PageMemory): Promise<BinaryRows> {
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

/** Head fields of a vote page's rows before the data set's columns. */
const VOTE_HEAD = ['v.created_at', 'v.id', 'v.battle_id', 'p.battle_id IS NOT NULL'];

/** The battle is joined only for the filters on it: the columns come from the votes and export parts. */
function battleJoin(query: DatasetQuery, alias: 'v' | 'j'): string {
  return query.category !== undefined || query.environment !== undefined
    ? ` JOIN battles b ON b.id = ${alias}.battle_id`
    : '';
}
const JUDGEMENT_HEAD = ['j.created_at', 'j.id'];

/**
 * One page of a vote data set: votes in time order (keyset) with their battles' current export parts; for
 * battles found without them (never built, or older than the battle) they are built in bulk, kept, and
 * filled in.
 */
async function votePage(
  dataSource: DataSource,
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
       FROM votes v${battleJoin(query, 'v')}
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

/** A value as the bytes of its binary COPY field. */
function fieldBytes(value: string | number | boolean | null): Buffer | null {
  if (value === null) return null;
  if (typeof value === 'number') return int4Bytes(value);
  if (typeof value === 'boolean') return Buffer.of(value ? 1 : 0);
  return Buffer.from(value, 'utf8');
}

function int4Bytes(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeInt32BE(value, 0);
  return bytes;
}

/** One page of judge verdicts in time order (keyset); the filters apply to the judged battle. */
function judgementPage(
  dataSource: DataSource,
  query: DatasetQuery,
  range: PageRange,
  memory: PageMemory,
): Promise<BinaryRows> {
  return copyPage(
    dataSource,
    `SELECT ${[...JUDGEMENT_HEAD, ...sqlColumns('judgements').map((c) => c.sql)].join(', ')}
       FROM judgements j${battleJoin(query, 'j')}
      ${pageFilter(query, 'j', range)}
      ORDER BY j.created_at, j.id
      LIMIT ${range.limit}`,
    memory,
  );
}

async function categoryIds(dataSource: DataSource): Promise<Map<string, number>> {
  const rows = await dataSource.query<{ category: string }[]>(
    `SELECT DISTINCT b.category FROM battles b JOIN votes v ON v.battle_id = b.id WHERE b.category IS NOT NULL ORDER BY b.category`,
  );
  return new Map(rows.map((r, i) => [r.category, i]));
}

/**
 * The keys that end every `size`-th row of a data set (one pass over the time index), so that pages can be
 * read ahead before the ones before them are in.
 */
async function pageBounds(
  dataSource: DataSource,
  name: DatasetName,
  query: DatasetQuery,
  size: number,
): Promise<Cursor[]> {
  const alias = name === 'judgements' ? 'j' : 'v';
  const table = name === 'judgements' ? 'judgements j' : 'votes v';
  const rows = await dataSource.query<{ at: string; id: string }[]>(
    `SELECT created_at::text AS at, id FROM (
       SELECT ${alias}.created_at, ${alias}.id, row_number() OVER (ORDER BY ${alias}.created_at, ${alias}.id) AS n
         FROM ${table}${battleJoin(query, alias)} ${pageFilter(query, alias, { limit: size })}) s
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
 * Battles never voted on are not in `battles` or `bigcodereward`.
 */
export async function* datasetPages(
  dataSource: DataSource,
  name: DatasetName,
  query: DatasetQuery,
  salt: string,
  pageSize = PAGE_SIZE,
  buildBatch = BUILD_BATCH,
): AsyncGenerator<DatasetPage> {
  const offset = name === 'judgements' ? JUDGEMENT_HEAD.length : VOTE_HEAD.length;
  /** Field replacements, from the field's text. */
  const transforms: { at: number; to: (text: string) => Buffer | null }[] = [];
  const columns = sqlColumns(name);
  const judgeAt = columns.findIndex((c) => c.transform === 'voter_hash');
  if (judgeAt >= 0) {
    const hashes = new Map<string, Buffer>();
    transforms.push({
      at: offset + judgeAt,
      to: (voter) => {
        let hash = hashes.get(voter);
        if (hash === undefined) {
          hash = Buffer.from(hashVoter(salt, voter), 'latin1');
          if (hashes.size > 100_000) hashes.clear();
          hashes.set(voter, hash);
        }
        return hash;
      },
    });
  }
  const categoryAt = columns.findIndex((c) => c.transform === 'category_id');
  if (categoryAt >= 0) {
    const ids = new Map([...(await categoryIds(dataSource))].map(([category, id]) => [category, int4Bytes(id)]));
    transforms.push({ at: offset + categoryAt, to: (category) => ids.get(category) ?? null });
  }
  const memory = new PageMemory();
  const page = async (range: PageRange): Promise<BinaryRows> => {
    const rows =
      name === 'judgements'
        ? await judgementPage(dataSource, query, range, memory)
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

/** How many rows a data set has and when its newest row was made. */
export async function datasetCounts(
  dataSource: DataSource,
  name: DatasetName,
): Promise<{ rows: number; lastUpdate: string | null }> {
  const [row] = await dataSource.query<{ n: string; last: Date | null }[]>(
    `SELECT count(*) AS n, max(created_at) AS last FROM ${name === 'judgements' ? 'judgements' : 'votes'}`,
  );
  return { rows: Number(row?.n ?? 0), lastUpdate: row?.last ? new Date(row.last).toISOString() : null };
}
