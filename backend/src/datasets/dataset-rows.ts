import { createHmac, randomBytes } from 'node:crypto';
import type {
  BigCodeRewardRow,
  ChatMessageRow,
  DatasetName,
  DatasetQuery,
  ExecutionRow,
  JudgementRow,
  Winner,
} from '@arena/contracts';
import type { DataSource } from 'typeorm';
import { SettingEntity } from '../database/setting.entity.js';

export const PAGE_SIZE = 1_000;

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

/** JSON already serialised: written as it is by every writer (no JSON built per row at export time). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A data-set row, by column name; JSON columns may hold `RawJson`. */
export type DatasetRow = Record<string, unknown>;

/** One vote, with its battle's columns and the battle's export parts (when they are current). */
interface VoteHead {
  vote_id: string;
  cursor_at: string;
  voter_id: string;
  winner: Winner;
  created_at: Date | string;
  battle_id: string;
  model_a_id: string;
  model_b_id: string;
  category: string | null;
  anony: boolean;
  session_vote: boolean;
  /** The battle's `updated_at`, as PostgreSQL text (microseconds kept). */
  source_at: string;
}

/** The columns of `export_parts`, as read. */
interface Parts {
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

/**
 * The WHERE clause of one page: keyset after `cursor` on (created_at, id) of the rows in `alias` (votes or
 * judgements), the time window on the same column, and category and environment on the battle `b`.
 */
function pageFilter(
  query: DatasetQuery,
  alias: 'v' | 'j',
  cursor: { at: string; id: string } | undefined,
): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => `$${params.push(value)}`;
  if (cursor)
    where.push(`(${alias}.created_at, ${alias}.id) > (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);
  if (query.since) where.push(`${alias}.created_at >= ${param(query.since)}::timestamptz`);
  if (query.until) where.push(`${alias}.created_at < ${param(query.until)}::timestamptz`);
  if (query.category) where.push(`b.category = ${param(query.category)}`);
  if (query.environment)
    where.push(
      `EXISTS (SELECT 1 FROM code_extractions c WHERE c.battle_id = b.id AND c.environment = ${param(query.environment)})`,
    );
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** One page of votes (keyset on time and id) with their battles' columns and current export parts. */
async function voteHeads(
  dataSource: DataSource,
  query: DatasetQuery,
  cursor: { at: string; id: string } | undefined,
): Promise<(VoteHead & Partial<Parts> & { has_parts: boolean })[]> {
  const { where, params } = pageFilter(query, 'v', cursor);
  return dataSource.query(
    `SELECT v.id AS vote_id, v.created_at::text AS cursor_at, v.voter_id, v.winner, v.created_at,
            b.id AS battle_id, b.model_a_id, b.model_b_id, b.category, b.anony, v.session_id IS NOT NULL AS session_vote,
            b.updated_at::text AS source_at, p.battle_id IS NOT NULL AS has_parts,
            ${PART_COLUMNS.map((c) => `p.${c}`).join(', ')}
       FROM votes v JOIN battles b ON b.id = v.battle_id
       LEFT JOIN export_parts p ON p.battle_id = b.id AND p.source_at >= b.updated_at
      ${where}
      ORDER BY v.created_at, v.id
      LIMIT ${PAGE_SIZE}`,
    params,
  );
}

interface BattleParts {
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
  const [turns, messages, code, runs] = await Promise.all([
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
  const of = (id: string): BattleParts => {
    let p = parts.get(id);
    if (!p) {
      p = { prompts: [], messages: [], code: [], runs: [] };
      parts.set(id, p);
    }
    return p;
  };
  for (const id of ids) of(id);
  for (const t of turns) of(t.battle_id).prompts.push(t.prompt);
  for (const m of messages) of(m.battle_id).messages.push([m.turn, m.side, m.text]);
  for (const c of code) of(c.battle_id).code.push([c.side, c.environment, c.language, c.code]);
  for (const { battle_id, ...run } of runs) of(battle_id).runs.push(run);
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
 * `updated_at` each battle had before its parts were read, so a change made meanwhile leaves them stale,
 * never wrong. Called when a vote is committed, and by an export for battles it finds without parts.
 */
export async function buildExportParts(
  dataSource: DataSource,
  list: { id: string; sourceAt: string }[],
): Promise<Map<string, Parts>> {
  if (list.length === 0) return new Map();
  const read = await readBattles(
    dataSource,
    list.map((b) => b.id),
  );
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
     SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
     ON CONFLICT (battle_id) DO UPDATE SET ${columns
       .slice(1)
       .map((c) => `${c} = EXCLUDED.${c}`)
       .join(', ')}
     WHERE export_parts.source_at <= EXCLUDED.source_at`,
    values,
  );
  return built;
}

/** Build the export parts of battles just voted on (their `updated_at` read now). */
export async function buildExportPartsFor(dataSource: DataSource, battleIds: string[]): Promise<void> {
  const rows = await dataSource.query<{ id: string; source_at: string }[]>(
    'SELECT id, updated_at::text AS source_at FROM battles WHERE id = ANY($1::uuid[])',
    [battleIds],
  );
  await buildExportParts(
    dataSource,
    rows.map((r) => ({ id: r.id, sourceAt: r.source_at })),
  );
}

/**
 * Votes in time order with their battles' export parts, a page at a time: keyset pagination, parts that
 * are missing or stale built for the page in bulk, and the next page read while the current one is written
 * — memory stays flat whatever the size.
 */
async function* votePages(dataSource: DataSource, query: DatasetQuery): AsyncGenerator<(VoteHead & Parts)[]> {
  const page = async (cursor: { at: string; id: string } | undefined): Promise<(VoteHead & Parts)[]> => {
    const heads = await voteHeads(dataSource, query, cursor);
    const missing = new Map<string, string>();
    for (const h of heads) if (!h.has_parts) missing.set(h.battle_id, h.source_at);
    if (missing.size === 0) return heads as (VoteHead & Parts)[];
    const built = await buildExportParts(
      dataSource,
      [...missing].map(([id, sourceAt]) => ({ id, sourceAt })),
    );
    return heads.map((h) => (h.has_parts ? (h as VoteHead & Parts) : { ...h, ...built.get(h.battle_id)! }));
  };
  let next = page(undefined);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    const more = rows.length === PAGE_SIZE;
    if (more) {
      next = page({ at: last.cursor_at, id: last.vote_id });
      // If the reader stops early, a failure of the page read ahead is nobody's to handle.
      next.catch(() => undefined);
    }
    yield rows;
    if (!more) return;
  }
}

const HUMAN_VOTE: Record<Winner, BigCodeRewardRow['human_vote']> = {
  model_a: 'vote_model_A',
  model_b: 'vote_model_B',
  tie: 'vote_tie',
  'tie (bothbad)': 'vote_both_bad',
};

async function categoryIds(dataSource: DataSource): Promise<Map<string, number>> {
  const rows = await dataSource.query<{ category: string }[]>(
    `SELECT DISTINCT b.category FROM battles b JOIN votes v ON v.battle_id = b.id WHERE b.category IS NOT NULL ORDER BY b.category`,
  );
  return new Map(rows.map((r, i) => [r.category, i]));
}

/** The rows of a data set, a page at a time. Battles never voted on are not in `battles` or `bigcodereward`. */
export async function* datasetPages(
  dataSource: DataSource,
  name: DatasetName,
  query: DatasetQuery,
  salt: string,
): AsyncGenerator<DatasetRow[]> {
  if (name === 'judgements') {
    yield* judgementPages(dataSource, query);
    return;
  }
  const categories = name === 'bigcodereward' ? await categoryIds(dataSource) : new Map<string, number>();
  const hashes = new Map<string, string>();
  const judge = (voter: string): string => {
    let hash = hashes.get(voter);
    if (hash === undefined) {
      hash = hashVoter(salt, voter);
      if (hashes.size > 100_000) hashes.clear();
      hashes.set(voter, hash);
    }
    return hash;
  };
  for await (const page of votePages(dataSource, query)) {
    if (name === 'battles') {
      yield page.map((vote): DatasetRow => ({
        question_id: vote.battle_id,
        model_a: vote.model_a_id,
        model_b: vote.model_b_id,
        winner: vote.winner,
        judge: judge(vote.voter_id),
        conversation_a: new RawJson(vote.conversation_a),
        conversation_b: new RawJson(vote.conversation_b),
        turn: vote.turns,
        anony: vote.anony,
        language: vote.language,
        tstamp: new Date(vote.created_at).getTime() / 1000,
        environment: vote.environment,
        category: vote.category,
        code_a: vote.code_a,
        code_b: vote.code_b,
        executions_a: new RawJson(vote.executions_a),
        executions_b: new RawJson(vote.executions_b),
        session_vote: vote.session_vote,
      }));
      continue;
    }
    yield page.map((vote): DatasetRow => ({
      chat_session_id: vote.battle_id,
      instruction: vote.instruction,
      human_vote: HUMAN_VOTE[vote.winner],
      model_A: vote.model_a_id,
      model_B: vote.model_b_id,
      category_id: vote.category === null ? null : (categories.get(vote.category) ?? null),
      category_name: vote.category,
      execution_output_A: vote.output_a,
      execution_output_B: vote.output_b,
      execution_error_A: vote.error_a,
      execution_error_B: vote.error_b,
      states: new RawJson(vote.states),
    }));
  }
}

/** Judge verdicts in time order, a page at a time (keyset); the filters apply to the judged battle. */
async function* judgementPages(dataSource: DataSource, query: DatasetQuery): AsyncGenerator<DatasetRow[]> {
  let cursor: { at: string; id: string } | undefined;
  for (;;) {
    const { where, params } = pageFilter(query, 'j', cursor);
    const rows = await dataSource.query<
      (Omit<JudgementRow, 'order' | 'created_at'> & {
        id: string;
        judge_order: 'ab' | 'ba';
        cursor_at: string;
        created_at: Date;
      })[]
    >(
      `SELECT j.id, j.battle_id, j.judge, j.mode, j.judge_order, j.verdict, j.reasoning, j.raw_output, j.latency_ms,
              j.created_at, j.created_at::text AS cursor_at
         FROM judgements j JOIN battles b ON b.id = j.battle_id
        ${where}
        ORDER BY j.created_at, j.id
        LIMIT ${PAGE_SIZE}`,
      params,
    );
    if (rows.length === 0) return;
    yield rows.map((r): DatasetRow => ({
      battle_id: r.battle_id,
      judge: r.judge,
      mode: r.mode,
      order: r.judge_order,
      verdict: r.verdict,
      reasoning: r.reasoning,
      raw_output: r.raw_output,
      latency_ms: r.latency_ms,
      created_at: new Date(r.created_at).getTime() / 1000,
    }));
    const last = rows[rows.length - 1]!;
    cursor = { at: last.cursor_at, id: last.id };
    if (rows.length < PAGE_SIZE) return;
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
