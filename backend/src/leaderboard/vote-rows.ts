import type { Winner } from '@arena/contracts';
import { dedupPromptKey, executionFacts, type ExecutionFacts, type VoteRecord } from '@arena/ranking';
import type { DataSource } from 'typeorm';
import { battleShown, voterCounted } from '../moderation/visibility.js';

/** One human vote with what the breakdowns filter on (as read from the answers, or from its facts). */
export interface VoteFacets extends VoteRecord {
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
}

/** One human vote read with its answers (`arena rank` from the database; the facts are computed from it). */
export interface VoteRow extends VoteFacets {
  /** FastChat's de-duplication key: the user turns, each followed by a newline, cut to 10,000 characters. */
  dedupKey: string;
}

/** A row of the votes query. */
export interface RawVote {
  vote_id: string;
  /** The battle's reveal time as PostgreSQL text (microseconds kept). */
  cursor_at: string;
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

/** Where reading stopped: the last vote's battle's reveal time as PostgreSQL text (microseconds kept) and its id. */
export interface VoteCursor {
  createdAt: string;
  id: string;
}

/**
 * The votes query, set-based: each side's answer and code extraction joined by their unique (battle, turn,
 * side) key; the prompts and the answer runs (a side's first run with a status, by time: a re-run from the
 * UI, possibly of edited code, says nothing about the model) folded per battle. A full read folds them
 * over whole tables, hash-joined; an incremental read (`since`) looks each new vote's battle up by index.
 * The form it replaces ran thirteen correlated subqueries per vote, one per column and side.
 */
export function voteRowsSql(since: boolean): string {
  return votesSql(since ? 'since' : 'full');
}

/**
 * The votes whose facts are missing or out of date (`vote_facts`: none, computed with another identity-word
 * list ($3), or computed before a side's answer run had ended), hidden or not, after a keyset position ($1,
 * $2), at most $4 of them: the same columns and joins as an incremental read of the votes.
 */
export function missingFactsSql(): string {
  return votesSql('missing');
}

function votesSql(mode: 'full' | 'since' | 'missing'): string {
  const since = mode !== 'full';
  const prompts = 'SELECT array_agg(t.prompt ORDER BY t.turn) AS prompts FROM turns t';
  const first = (column: string, s: 'a' | 'b') =>
    `(array_agg(${column} ORDER BY x.created_at) FILTER (WHERE x.side = '${s}'))[1]`;
  const runs = `SELECT ${first('x.status', 'a')} AS status_a, ${first('x.status', 'b')} AS status_b,
      ${first('x.preview_kind IS NOT NULL OR x.preview IS NOT NULL', 'a')} AS preview_a,
      ${first('x.preview_kind IS NOT NULL OR x.preview IS NOT NULL', 'b')} AS preview_b
    FROM executions x WHERE x.turn = 0 AND x.origin = 'answer' AND x.status IS NOT NULL`;
  const folded = since
    ? `LEFT JOIN LATERAL (${prompts} WHERE t.battle_id = b.id) pr ON true
    LEFT JOIN LATERAL (${runs} AND x.battle_id = b.id) r ON true`
    : `LEFT JOIN (${prompts.replace('SELECT', 'SELECT t.battle_id,')} GROUP BY t.battle_id) pr ON pr.battle_id = b.id
    LEFT JOIN (${runs.replace('SELECT', 'SELECT x.battle_id,')} GROUP BY x.battle_id) r ON r.battle_id = b.id`;
  const on = (alias: string, s: 'a' | 'b') =>
    `${alias}.battle_id = b.id AND ${alias}.turn = 0 AND ${alias}.side = '${s}'`;
  return `
    SELECT v.id AS vote_id, b.revealed_at::text AS cursor_at, b.id AS battle_id, v.voter_id, v.session_id, v.winner,
      v.created_at, b.model_a_id, b.model_b_id, b.category, b.anony, pr.prompts,
      ma.text AS answer_a, mb.text AS answer_b, ca.environment AS env_a, cb.environment AS env_b,
      ca.language AS lang_a, cb.language AS lang_b, r.status_a, r.status_b, r.preview_a, r.preview_b,
      ca.install_command IS NOT NULL AS install_a, cb.install_command IS NOT NULL AS install_b
    FROM ${
      mode === 'missing'
        ? // The votes without facts found first (by the votes' and facts' keys alone, none of the answers'
          // joins: at a million votes with every fact there, that is a pass over keys, not a full read), then
          // each one's answers looked up by index.
          `(SELECT v2.id FROM votes v2 JOIN battles b2 ON b2.id = v2.battle_id
            WHERE b2.status = 'revealed' AND b2.revealed_at >= $1::timestamptz
              AND (b2.revealed_at, v2.id) > ($1::timestamptz, $2::uuid)
              AND NOT EXISTS (SELECT 1 FROM vote_facts f WHERE f.vote_id = v2.id AND f.identity_key = $3 AND f.complete)
            ORDER BY b2.revealed_at, v2.id LIMIT $4) m JOIN votes v ON v.id = m.id`
        : 'votes v'
    } JOIN battles b ON b.id = v.battle_id
    LEFT JOIN side_messages ma ON ${on('ma', 'a')}
    LEFT JOIN side_messages mb ON ${on('mb', 'b')}
    LEFT JOIN code_extractions ca ON ${on('ca', 'a')}
    LEFT JOIN code_extractions cb ON ${on('cb', 'b')}
    ${folded}
    WHERE b.status = 'revealed'
    ${
      mode === 'missing'
        ? ''
        : `AND ${battleShown('b.id')} AND ${voterCounted('v')}
    ${since ? 'AND b.revealed_at >= $1::timestamptz AND (b.revealed_at, v.id) > ($1::timestamptz, $2::uuid)' : ''}`
    }
    ORDER BY b.revealed_at, v.id`;
}

/**
 * Votes of revealed battles (not hidden, not cast by a banned voter), in the order they came to count (the
 * battle's reveal, then the vote): all of them, or only those after `since`. A session participant's vote
 * counts once the host closes the battle's vote, which can be minutes after it was cast: reading by reveal
 * time, an incremental read does not pass over it. Returns the cursor of the last one.
 */
export async function loadVoteRows(
  dataSource: DataSource,
  since?: VoteCursor,
): Promise<VoteRow[] & { cursor?: VoteCursor }> {
  const rows = await dataSource.query<RawVote[]>(voteRowsSql(!!since), since ? [since.createdAt, since.id] : []);
  const out: VoteRow[] & { cursor?: VoteCursor } = rows.map(voteRowOf);
  const last = rows[rows.length - 1];
  if (last) out.cursor = { createdAt: last.cursor_at, id: last.vote_id };
  return out;
}

/** A vote as the leaderboard sees it, from a row of the votes query. */
export function voteRowOf(r: RawVote): VoteRow {
  return {
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
  };
}
