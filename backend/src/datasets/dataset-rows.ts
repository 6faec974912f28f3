import { createHmac, randomBytes } from 'node:crypto';
import type {
  BattlesRow,
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

interface VotePage {
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
  /** Turn prompts in order. */
  prompts: string[];
  /** [turn, side, text] of every answer. */
  messages: [number, 'a' | 'b', string][];
  /** [side, environment, language, code] of every extraction, in turn order. */
  code: [string, string, string, string][];
  runs: (ExecutionRow & { side: 'a' | 'b' })[];
}

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

type VoteHead = Omit<VotePage, 'prompts' | 'messages' | 'code' | 'runs'>;

/** One page of votes (keyset on time and id) with the battle columns; the battles' parts come separately. */
async function voteHeads(
  dataSource: DataSource,
  query: DatasetQuery,
  cursor: { at: string; id: string } | undefined,
): Promise<VoteHead[]> {
  const { where, params } = pageFilter(query, 'v', cursor);
  return dataSource.query<VoteHead[]>(
    `SELECT v.id AS vote_id, v.created_at::text AS cursor_at, v.voter_id, v.winner, v.created_at,
            b.id AS battle_id, b.model_a_id, b.model_b_id, b.category, b.anony, v.session_id IS NOT NULL AS session_vote
       FROM votes v JOIN battles b ON b.id = v.battle_id
      ${where}
      ORDER BY v.created_at, v.id
      LIMIT ${PAGE_SIZE}`,
    params,
  );
}

/**
 * Everything the page's battles recorded, as plain rows fetched in bulk (one query per table for the whole
 * page, run at once on the pool) and put together here: PostgreSQL builds no JSON, Node parses none.
 */
async function withParts(dataSource: DataSource, heads: VoteHead[]): Promise<VotePage[]> {
  const ids = [...new Set(heads.map((h) => h.battle_id))];
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
  const parts = new Map<string, Pick<VotePage, 'prompts' | 'messages' | 'code' | 'runs'>>();
  const of = (id: string): Pick<VotePage, 'prompts' | 'messages' | 'code' | 'runs'> => {
    let p = parts.get(id);
    if (!p) {
      p = { prompts: [], messages: [], code: [], runs: [] };
      parts.set(id, p);
    }
    return p;
  };
  for (const t of turns) of(t.battle_id).prompts.push(t.prompt);
  for (const m of messages) of(m.battle_id).messages.push([m.turn, m.side, m.text]);
  for (const c of code) of(c.battle_id).code.push([c.side, c.environment, c.language, c.code]);
  for (const { battle_id, ...run } of runs) of(battle_id).runs.push(run);
  return heads.map((h) => ({ ...h, ...of(h.battle_id) }));
}

/**
 * Votes in time order with everything their battle recorded, a page at a time: keyset pagination, the
 * battles' parts fetched in bulk per page, and the next page read while the current one is written —
 * memory stays flat whatever the size.
 */
async function* votePages(dataSource: DataSource, query: DatasetQuery): AsyncGenerator<VotePage[]> {
  const page = async (cursor: { at: string; id: string } | undefined): Promise<VotePage[]> =>
    withParts(dataSource, await voteHeads(dataSource, query, cursor));
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

interface BattleDetail {
  prompts: string[];
  conversation: Record<'a' | 'b', ChatMessageRow[]>;
  code: Record<'a' | 'b', { environment: string; language: string; code: string } | undefined>;
  executions: Record<'a' | 'b', ExecutionRow[]>;
}

function detail(vote: VotePage): BattleDetail {
  const conversation = (side: 'a' | 'b'): ChatMessageRow[] =>
    vote.prompts.flatMap((prompt, turn) => {
      const answer = vote.messages.find(([t, s]) => t === turn && s === side);
      return [
        { role: 'user' as const, content: prompt },
        ...(answer ? [{ role: 'assistant' as const, content: answer[2] }] : []),
      ];
    });
  const lastCode = (side: 'a' | 'b'): BattleDetail['code']['a'] => {
    const found = vote.code.filter(([s]) => s === side).at(-1);
    return found ? { environment: found[1], language: found[2], code: found[3] } : undefined;
  };
  const runs = (side: 'a' | 'b'): ExecutionRow[] =>
    vote.runs.filter((r) => r.side === side).map(({ side: _side, ...run }) => run);
  return {
    prompts: vote.prompts,
    conversation: { a: conversation('a'), b: conversation('b') },
    code: { a: lastCode('a'), b: lastCode('b') },
    executions: { a: runs('a'), b: runs('b') },
  };
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

export type DatasetRow = BattlesRow | BigCodeRewardRow | JudgementRow;

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
    yield page.map((vote): DatasetRow => {
      const d = detail(vote);
      if (name === 'battles') {
        const code = d.code.a ?? d.code.b;
        return {
          question_id: vote.battle_id,
          model_a: vote.model_a_id,
          model_b: vote.model_b_id,
          winner: vote.winner,
          judge: judge(vote.voter_id),
          conversation_a: d.conversation.a,
          conversation_b: d.conversation.b,
          turn: d.prompts.length,
          anony: vote.anony,
          language: code?.language ?? null,
          tstamp: new Date(vote.created_at).getTime() / 1000,
          environment: code?.environment ?? null,
          category: vote.category,
          code_a: d.code.a?.code ?? null,
          code_b: d.code.b?.code ?? null,
          executions_a: d.executions.a,
          executions_b: d.executions.b,
          session_vote: vote.session_vote,
        };
      }
      // The answer's own run of the last turn: re-runs from the UI (possibly edited code) are not the model's.
      const last = (side: 'a' | 'b'): ExecutionRow | undefined =>
        d.executions[side].filter((e) => e.origin === 'answer' && e.turn === d.prompts.length - 1)[0] ??
        d.executions[side].at(-1);
      const state = (side: 'a' | 'b'): BigCodeRewardRow['states']['model_A'] => ({
        messages: d.conversation[side].map((m): [string, string] => [m.role, m.content]),
        sandbox_logs_by_round: d.prompts.map((_, turn) => d.executions[side].filter((e) => e.turn === turn)),
      });
      return {
        chat_session_id: vote.battle_id,
        instruction: d.prompts.join('\n\n'),
        human_vote: HUMAN_VOTE[vote.winner],
        model_A: vote.model_a_id,
        model_B: vote.model_b_id,
        category_id: vote.category === null ? null : (categories.get(vote.category) ?? null),
        category_name: vote.category,
        execution_output_A: last('a')?.stdout ?? '',
        execution_output_B: last('b')?.stdout ?? '',
        execution_error_A: last('a')?.stderr ?? '',
        execution_error_B: last('b')?.stderr ?? '',
        states: { model_A: state('a'), model_B: state('b') },
      };
    });
  }
}

/** Judge verdicts in time order, a page at a time (keyset); the filters apply to the judged battle. */
async function* judgementPages(dataSource: DataSource, query: DatasetQuery): AsyncGenerator<JudgementRow[]> {
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
    yield rows.map((r) => ({
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
