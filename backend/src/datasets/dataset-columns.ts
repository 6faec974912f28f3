import { DATASET_COLUMNS, type BigCodeRewardRow, type DatasetName, type Winner } from '@arena/contracts';
import { int4Bytes, type Wire } from '../database/binary-copy.js';
import type { DatasetDb } from './dataset-db.js';
import type { ExportParts } from './export-parts.js';
import { battleShown, voterCounted } from '../moderation/visibility.js';
import { hashVoter } from '../moderation/voter-hash.js';

const HUMAN_VOTE: Record<Winner, BigCodeRewardRow['human_vote']> = {
  model_a: 'vote_model_A',
  model_b: 'vote_model_B',
  tie: 'vote_tie',
  'tie (bothbad)': 'vote_both_bad',
};

/** A data-set column as PostgreSQL computes it. */
export interface SqlColumn {
  sql: string;
  wire: Wire;
  /** The `export_parts` column it reads: filled from freshly built parts when its battle had none. */
  part?: keyof ExportParts;
  /** Replaced on the way: a voter id by its salted hash, a category by its number. */
  transform?: 'voter_hash' | 'category_id';
}

const part = (column: keyof ExportParts): SqlColumn => ({
  sql: `p.${column}`,
  wire: column === 'turns' ? 'int4' : column === 'anony' ? 'bool' : 'text',
  part: column,
});
const text = (sql: string): SqlColumn => ({ sql, wire: 'text' });

/**
 * The picture of what a side's own run of its last answer rendered, base64 (one line): read per row from
 * `run_screenshots`, so pictures never sit in the export parts and a page holds only its own rows' pictures.
 */
const screenshot = (side: 'a' | 'b'): SqlColumn =>
  text(
    `(SELECT translate(encode(s.jpeg, 'base64'), E'\\n', '') FROM executions e
       LEFT JOIN run_screenshots s ON s.run_id = e.id
      WHERE e.battle_id = v.battle_id AND e.side = '${side}' AND e.origin = 'answer'
      ORDER BY e.turn DESC, e.created_at DESC LIMIT 1)`,
  );

/** What the creator did inside a side's rendered runs (`run_interactions`), per run in order; null when nothing. */
const actions = (side: 'a' | 'b'): SqlColumn =>
  text(
    `(SELECT json_agg(json_build_object('turn', e.turn, 'origin', e.origin, 'events', i.events)
                      ORDER BY e.created_at)::text
        FROM run_interactions i JOIN executions e ON e.id = i.run_id
       WHERE e.battle_id = v.battle_id AND e.side = '${side}')`,
  );

/**
 * Every data set's columns (in `DATASET_COLUMNS` order), as SQL over votes `v` and export parts `p` (which
 * carry what the data sets say of the battle), judgements `j`, or eval results `r`.
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
    actions_a: actions('a'),
    actions_b: actions('b'),
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
    screenshot_A: screenshot('a'),
    screenshot_B: screenshot('b'),
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
  eval: {
    task_set: text('r.task_set_id'),
    task_id: text('r.task_id'),
    language: text('r.language'),
    model: text('r.model'),
    sample: { sql: 'r.sample', wire: 'int4' },
    status: text('r.status'),
    passed: { sql: "r.status = 'passed'", wire: 'bool' },
    cpu_ms: { sql: 'r.cpu_ms', wire: 'int4' },
    peak_memory_bytes: { sql: 'LEAST(r.peak_memory_bytes, 2147483647)::int4', wire: 'int4' },
    code: text('r.code'),
    tstamp: { sql: 'r.created_at', wire: 'timestamptz' },
  },
};

/** A data set's columns as SQL, in `DATASET_COLUMNS` order. */
export function sqlColumns(name: DatasetName): SqlColumn[] {
  return DATASET_COLUMNS[name].map((c) => SQL_COLUMNS[name][c.name]!);
}

/** How each column of a data set's rows reaches the writers (after the voter and category transforms). */
export function datasetWires(name: DatasetName): Wire[] {
  return sqlColumns(name).map((c) => (c.transform === 'category_id' ? 'int4' : c.wire));
}

/** A replacement of one field of every row of a page, from the field's text. */
export interface FieldTransform {
  at: number;
  to: (text: string) => Buffer | null;
}

/**
 * The field replacements of a data set's rows whose columns start at field `offset`: a voter id by its
 * salted hash, a category by its number (see `categoryIds`).
 */
export async function fieldTransforms(
  dataSource: DatasetDb,
  name: DatasetName,
  salt: string,
  offset: number,
): Promise<FieldTransform[]> {
  const transforms: FieldTransform[] = [];
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
  return transforms;
}

/** The number of each category of the exported (voted, revealed) battles: its place in their categories in order. */
async function categoryIds(dataSource: DatasetDb): Promise<Map<string, number>> {
  const rows = await dataSource.query<{ category: string }[]>(
    `SELECT DISTINCT b.category FROM battles b JOIN votes v ON v.battle_id = b.id
      WHERE b.status = 'revealed' AND ${battleShown('b.id')} AND ${voterCounted('v')} AND b.category IS NOT NULL
      ORDER BY b.category`,
  );
  return new Map(rows.map((r, i) => [r.category, i]));
}
