import type { Winner } from '@arena/contracts';
import { dedupPromptKey, executionFacts, type ExecutionFacts, type VoteRecord } from '@arena/ranking';
import type { DataSource } from 'typeorm';
import { battleShown, voterCounted } from '../moderation/visibility.js';

/** One human vote with what the breakdowns filter on. */
export interface VoteRow extends VoteRecord {
  battleId: string;
  category: string | null;
  languages: string[];
  environments: string[];
  bothRan: boolean;
  /** Cast by a participant of a community voting session. */
  session: boolean;
  /** How many user turns the conversation had (1 without follow-ups). */
  turns: number;
  /** Execution control's covariates of side A and side B (their first-turn answer runs). */
  execution: [ExecutionFacts, ExecutionFacts];
  /** FastChat's de-duplication key: the user turns, each followed by a newline, cut to 10,000 characters. */
  dedupKey: string;
}

interface RawVote {
  battle_id: string;
  voter_id: string;
  winner: Winner;
  created_at: Date | string;
  model_a_id: string;
  model_b_id: string;
  category: string | null;
  anony: boolean;
  answer_a: string | null;
  answer_b: string | null;
  env_a: string | null;
  env_b: string | null;
  lang_a: string | null;
  lang_b: string | null;
  status_a: string | null;
  status_b: string | null;
  session_id: string | null;
  prompts: string[] | null;
  preview_a: boolean | null;
  preview_b: boolean | null;
  install_a: boolean | null;
  install_b: boolean | null;
}

const side = (column: string, table: string, s: 'a' | 'b', order = ''): string =>
  `(SELECT x.${column} FROM ${table} x WHERE x.battle_id = b.id AND x.turn = 0 AND x.side = '${s}' ${order} LIMIT 1)`;

/** The answer's own run: a re-run from the UI (possibly edited code) says nothing about the model. */
const ANSWER_RUN = "AND x.origin = 'answer' AND x.status IS NOT NULL ORDER BY x.created_at";

/** Where reading stopped: the last vote's battle's reveal time as PostgreSQL text (microseconds kept) and its id. */
export interface VoteCursor {
  createdAt: string;
  id: string;
}

/**
 * Votes of revealed battles (not hidden, not cast by a banned voter), in the order they came to count (the battle's reveal, then the vote): all of
 * them, or only those after `since`. A session participant's vote counts once the host closes the battle's
 * vote, which can be minutes after it was cast: reading by reveal time, an incremental read does not pass
 * over it. Returns the cursor of the last one.
 */
export async function loadVoteRows(
  dataSource: DataSource,
  since?: VoteCursor,
): Promise<VoteRow[] & { cursor?: VoteCursor }> {
  const rows = await dataSource.query<(RawVote & { vote_id: string; cursor_at: string })[]>(
    `
    SELECT v.id AS vote_id, b.revealed_at::text AS cursor_at, b.id AS battle_id, v.voter_id, v.session_id, v.winner, v.created_at, b.model_a_id, b.model_b_id, b.category, b.anony,
      (SELECT array_agg(t.prompt ORDER BY t.turn) FROM turns t WHERE t.battle_id = b.id) AS prompts,
      ${side('text', 'side_messages', 'a')} AS answer_a,
      ${side('text', 'side_messages', 'b')} AS answer_b,
      ${side('environment', 'code_extractions', 'a')} AS env_a,
      ${side('environment', 'code_extractions', 'b')} AS env_b,
      ${side('language', 'code_extractions', 'a')} AS lang_a,
      ${side('language', 'code_extractions', 'b')} AS lang_b,
      ${side('status', 'executions', 'a', ANSWER_RUN)} AS status_a,
      ${side('status', 'executions', 'b', ANSWER_RUN)} AS status_b,
      ${side('preview_kind IS NOT NULL OR x.preview IS NOT NULL', 'executions', 'a', ANSWER_RUN)} AS preview_a,
      ${side('preview_kind IS NOT NULL OR x.preview IS NOT NULL', 'executions', 'b', ANSWER_RUN)} AS preview_b,
      ${side('install_command IS NOT NULL', 'code_extractions', 'a')} AS install_a,
      ${side('install_command IS NOT NULL', 'code_extractions', 'b')} AS install_b
    FROM votes v JOIN battles b ON b.id = v.battle_id
    WHERE b.status = 'revealed' AND ${battleShown('b.id')} AND ${voterCounted('v')}
    ${since ? 'AND (b.revealed_at, v.id) > ($1::timestamptz, $2::uuid)' : ''}
    ORDER BY b.revealed_at, v.id`,
    since ? [since.createdAt, since.id] : [],
  );
  const out: VoteRow[] & { cursor?: VoteCursor } = rows.map((r) => ({
    battleId: r.battle_id,
    model_a: r.model_a_id,
    model_b: r.model_b_id,
    winner: r.winner,
    anony: r.anony,
    voter: r.voter_id,
    tstamp: new Date(r.created_at).getTime(),
    prompt: r.prompts?.[0] ?? '',
    answers: [r.answer_a ?? '', r.answer_b ?? ''],
    category: r.category,
    languages: [...new Set([r.lang_a, r.lang_b].filter((x): x is string => !!x))],
    environments: [...new Set([r.env_a, r.env_b].filter((x): x is string => !!x))],
    bothRan: r.status_a === 'ok' && r.status_b === 'ok',
    session: r.session_id !== null,
    turns: Math.max(1, r.prompts?.length ?? 0),
    execution: [
      executionFacts(
        r.env_a === null
          ? undefined
          : { status: r.status_a, environment: r.env_a, previewed: !!r.preview_a, installs: !!r.install_a },
      ),
      executionFacts(
        r.env_b === null
          ? undefined
          : { status: r.status_b, environment: r.env_b, previewed: !!r.preview_b, installs: !!r.install_b },
      ),
    ],
    // Imported battles may carry no prompt: not a duplicate of anything.
    dedupKey: r.prompts?.some((p) => p) ? dedupPromptKey(r.prompts) : '',
  }));
  const last = rows[rows.length - 1];
  if (last) out.cursor = { createdAt: last.cursor_at, id: last.vote_id };
  return out;
}
