import { createHash } from 'node:crypto';
import type { Winner } from '@arena/contracts';
import { EXECUTION_FEATURES, normalizePromptText, styleCounts, type ExecutionFacts } from '@arena/ranking';
import type { DataSource } from 'typeorm';
import { battleShown, voterCounted } from '../moderation/visibility.js';
import { missingFactsSql, voteRowOf, type RawVote, type VoteCursor, type VoteFacets } from './vote-rows.js';

/**
 * A vote as the live board keeps it: what the board, its breakdowns, its hygiene rules and its integrity checks
 * need, read from `vote_facts` (never the answers' texts). Strings repeated across votes (models, voters,
 * categories, languages) and the execution facts are shared between rows.
 */
export interface BoardRow extends VoteFacets {
  /**
   * FastChat's de-duplication key (the user turns, each followed by a newline, cut to 10,000 characters) as a
   * hash ('' when the battle carries no prompt); `promptPreviews` gives back the start of the prompt.
   */
  dedupKey: string;
  /** FastChat's eight style counts: tokens, headers, lists, bold of A, then of B. */
  style: readonly number[];
}

/** A hash standing for a text: 96 bits, lowercase hex (so the hygiene rules' prompt normalisation keeps it). */
function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}

/** Which identity-word pattern a vote's identity flag was computed with: facts of another are computed again. */
export function identityKey(pattern: RegExp | undefined): string {
  return pattern ? hashOf(`${pattern.flags}/${pattern.source}`) : 'none';
}

/** How many characters of the de-duplication key are kept to show a frequent prompt. */
const PREVIEW_CHARS = 200;

function executionBits(facts: ExecutionFacts): number {
  let bits = 0;
  EXECUTION_FEATURES.forEach((feature, i) => {
    if (facts[feature]) bits |= 1 << i;
  });
  return bits;
}

/** The 2^7 execution facts objects, shared by every row. */
const EXECUTION_BY_BITS: ExecutionFacts[] = Array.from(
  { length: 1 << EXECUTION_FEATURES.length },
  (_, bits) =>
    Object.freeze(
      Object.fromEntries(EXECUTION_FEATURES.map((feature, i) => [feature, (bits & (1 << i)) !== 0])),
    ) as ExecutionFacts,
);

/** The columns of a `vote_facts` row, in the order `writeFacts` inserts them. */
const COLUMNS = [
  ['vote_id', 'uuid'],
  ['battle_id', 'uuid'],
  ['revealed_at', 'timestamptz'],
  ['tstamp_ms', 'float8'],
  ['model_a', 'text'],
  ['model_b', 'text'],
  ['winner', 'text'],
  ['voter_id', 'text'],
  ['anony', 'bool'],
  ['category', 'text'],
  ['lang_a', 'text'],
  ['lang_b', 'text'],
  ['env_a', 'text'],
  ['env_b', 'text'],
  ['both_ran', 'bool'],
  ['session', 'bool'],
  ['turns', 'int4'],
  ['exec_a', 'int2'],
  ['exec_b', 'int2'],
  ['tokens_a', 'int4'],
  ['headers_a', 'int4'],
  ['lists_a', 'int4'],
  ['bold_a', 'int4'],
  ['tokens_b', 'int4'],
  ['headers_b', 'int4'],
  ['lists_b', 'int4'],
  ['bold_b', 'int4'],
  ['reveals_identity', 'bool'],
  ['identity_key', 'text'],
  ['prompt_key', 'text'],
  ['dedup_hash', 'text'],
  ['prompt_preview', 'text'],
  ['complete', 'bool'],
] as const;

type Column = (typeof COLUMNS)[number][0];
export type FactRecord = Record<Column, string | number | boolean | null>;

/**
 * A vote's facts from a row of the votes query (answers included), computed as the board computed them from
 * that row: the identity check of both answers against `pattern`, FastChat's style counts of each answer
 * (same tokenizer), the hygiene rules' normalised first prompt and FastChat's de-duplication key (as hashes).
 * A side with code whose answer run had not ended yet leaves the facts incomplete: they are computed again at
 * the next full read.
 */
export function factOf(raw: RawVote, pattern: RegExp | undefined, key: string): FactRecord {
  const row = voteRowOf(raw);
  const [a, b] = row.answers.map((answer) => styleCounts([answer]));
  const prompt = normalizePromptText(row.prompt);
  return {
    vote_id: raw.vote_id,
    battle_id: raw.battle_id,
    revealed_at: raw.cursor_at,
    tstamp_ms: row.tstamp,
    model_a: row.model_a,
    model_b: row.model_b,
    winner: row.winner,
    voter_id: row.voter,
    anony: row.anony,
    category: row.category,
    lang_a: raw.lang_a,
    lang_b: raw.lang_b,
    env_a: raw.env_a,
    env_b: raw.env_b,
    both_ran: row.bothRan,
    session: row.session,
    turns: row.turns,
    exec_a: executionBits(row.execution[0]),
    exec_b: executionBits(row.execution[1]),
    tokens_a: a!.tokens,
    headers_a: a!.headers,
    lists_a: a!.lists,
    bold_a: a!.bold,
    tokens_b: b!.tokens,
    headers_b: b!.headers,
    lists_b: b!.lists,
    bold_b: b!.bold,
    reveals_identity: !!pattern && row.answers.some((answer) => pattern.test(answer)),
    identity_key: key,
    prompt_key: prompt ? hashOf(prompt) : '',
    dedup_hash: row.dedupKey ? hashOf(row.dedupKey) : '',
    prompt_preview: Array.from(row.dedupKey.slice(0, 2 * PREVIEW_CHARS))
      .slice(0, PREVIEW_CHARS)
      .join(''),
    complete: !((raw.env_a !== null && raw.status_a === null) || (raw.env_b !== null && raw.status_b === null)),
  };
}

/** Facts written (or written again), in one statement. Returns how many votes had none before. */
export async function writeFacts(dataSource: DataSource, facts: readonly FactRecord[]): Promise<number> {
  if (facts.length === 0) return 0;
  const names = COLUMNS.map(([name]) => `"${name}"`).join(', ');
  const arrays = COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const updates = COLUMNS.slice(1)
    .map(([name]) => `"${name}" = EXCLUDED."${name}"`)
    .join(', ');
  // xmax is 0 on a row version an INSERT made (not an update of a conflicting row).
  const rows = await dataSource.query<{ inserted: boolean }[]>(
    `INSERT INTO vote_facts (${names}) SELECT * FROM unnest(${arrays})
     ON CONFLICT (vote_id) DO UPDATE SET ${updates}
     RETURNING (xmax = 0) AS inserted`,
    COLUMNS.map(([name]) => facts.map((fact) => fact[name])),
  );
  return rows.filter((r) => r.inserted).length;
}

const START: VoteCursor = { createdAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };

/**
 * The facts of every vote of a revealed battle (after `since`, or all) that has none, or has them computed
 * with another identity-word pattern or before its answer runs ended: computed from the votes query's rows,
 * `batch` at a time in reveal order, and written. Returns how many were written, and how many of those votes
 * had none (the others had facts computed again).
 */
export async function fillFacts(
  dataSource: DataSource,
  pattern: RegExp | undefined,
  options: { since?: VoteCursor; batch?: number } = {},
): Promise<{ written: number; added: number }> {
  const key = identityKey(pattern);
  const batch = options.batch ?? 5_000;
  const read = (at: VoteCursor) => dataSource.query<RawVote[]>(missingFactsSql(), [at.createdAt, at.id, key, batch]);
  let written = 0;
  let added = 0;
  let next = read(options.since ?? START);
  for (;;) {
    const rows = await next;
    const last = rows[rows.length - 1];
    const more = !!last && rows.length === batch;
    // The next batch is read while this one's facts are computed (the answers' tokens: CPU) and written.
    if (more) next = read({ createdAt: last.cursor_at, id: last.vote_id });
    added += await writeFacts(
      dataSource,
      rows.map((raw) => factOf(raw, pattern, key)),
    );
    written += rows.length;
    if (!more) return { written, added };
  }
}

interface FactRow {
  vote_id: string;
  cursor_at: string;
  battle_id: string;
  tstamp_ms: number;
  model_a: string;
  model_b: string;
  winner: Winner;
  voter_id: string;
  anony: boolean;
  category: string | null;
  lang_a: string | null;
  lang_b: string | null;
  env_a: string | null;
  env_b: string | null;
  both_ran: boolean;
  session: boolean;
  turns: number;
  exec_a: number;
  exec_b: number;
  style: string;
  reveals_identity: boolean;
  prompt_key: string;
  dedup_hash: string;
}

/** The facts read for the board, one page at a time in reveal order (not hidden, not cast by a banned voter). */
function readSql(): string {
  return `SELECT f.vote_id, f.revealed_at::text AS cursor_at, f.battle_id, f.tstamp_ms, f.model_a, f.model_b,
      f.winner, f.voter_id, f.anony, f.category, f.lang_a, f.lang_b, f.env_a, f.env_b, f.both_ran, f.session,
      f.turns, f.exec_a, f.exec_b,
      concat_ws(',', f.tokens_a, f.headers_a, f.lists_a, f.bold_a, f.tokens_b, f.headers_b, f.lists_b, f.bold_b) AS style,
      f.reveals_identity, f.prompt_key, f.dedup_hash
    FROM vote_facts f
    WHERE f.revealed_at >= $1::timestamptz AND (f.revealed_at, f.vote_id) > ($1::timestamptz, $2::uuid)
      AND ${battleShown('f.battle_id')} AND ${voterCounted('f')}
    ORDER BY f.revealed_at, f.vote_id
    LIMIT $3`;
}

/** Shares equal strings and lists between rows. */
class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();
  private readonly styles = new Map<string, readonly number[]>();

  string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  /** The distinct non-empty values of a and b, in that order (as the votes query's rows give them). */
  list(a: string | null, b: string | null): string[] {
    const key = `${a ?? ''}\u0000${b ?? ''}`;
    let list = this.lists.get(key);
    if (!list) {
      list = Object.freeze([...new Set([a, b].filter((x): x is string => !!x))].map((x) => this.string(x))) as string[];
      this.lists.set(key, list);
    }
    return list;
  }

  style(text: string): readonly number[] {
    let counts = this.styles.get(text);
    if (!counts) {
      counts = Object.freeze(text.split(',').map(Number));
      // Most answers' counts differ; only the common ones are worth sharing.
      if (this.styles.size < 100_000) this.styles.set(text, counts);
    }
    return counts;
  }
}

const NO_ANSWERS: string[] = Object.freeze([]) as unknown as string[];

/**
 * The votes' facts as the board reads them (hidden battles and banned voters' votes left out), after `since`
 * or all, in reveal order, `page` rows per query. Returns the cursor of the last one.
 */
export async function readFacts(
  dataSource: DataSource,
  options: { since?: VoteCursor; page?: number } = {},
): Promise<BoardRow[] & { cursor?: VoteCursor }> {
  const page = options.page ?? 50_000;
  const intern = new Interner();
  const out: BoardRow[] & { cursor?: VoteCursor } = [];
  let at = options.since ?? START;
  for (;;) {
    const rows = await dataSource.query<FactRow[]>(readSql(), [at.createdAt, at.id, page]);
    for (const r of rows) {
      out.push({
        battleId: r.battle_id,
        model_a: intern.string(r.model_a),
        model_b: intern.string(r.model_b),
        winner: r.winner,
        anony: r.anony,
        voter: intern.string(r.voter_id),
        tstamp: Number(r.tstamp_ms),
        prompt: r.prompt_key,
        answers: NO_ANSWERS,
        revealsIdentity: r.reveals_identity,
        category: r.category === null ? null : intern.string(r.category),
        languages: intern.list(r.lang_a, r.lang_b),
        environments: intern.list(r.env_a, r.env_b),
        bothRan: r.both_ran,
        session: r.session,
        turns: r.turns,
        execution: [EXECUTION_BY_BITS[r.exec_a]!, EXECUTION_BY_BITS[r.exec_b]!],
        dedupKey: r.dedup_hash,
        style: intern.style(r.style),
      });
    }
    const last = rows[rows.length - 1];
    if (last) out.cursor = at = { createdAt: last.cursor_at, id: last.vote_id };
    if (rows.length < page) return out;
  }
}

/** The start of the prompts behind de-duplication hashes (for the integrity report). */
export async function promptPreviews(dataSource: DataSource, hashes: readonly string[]): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const rows = await dataSource.query<{ dedup_hash: string; prompt_preview: string }[]>(
    `SELECT DISTINCT ON (dedup_hash) dedup_hash, prompt_preview FROM vote_facts WHERE dedup_hash = ANY($1::text[])`,
    [hashes],
  );
  return new Map(rows.map((r) => [r.dedup_hash, r.prompt_preview]));
}
