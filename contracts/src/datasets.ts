import { z } from 'zod';
import type { InteractionEvent } from './battle.js';

/** Bumped whenever a column is added, removed or changes meaning. */
export const DATASET_SCHEMA_VERSION = '1.3.0';

export const DATASET_NAMES = ['battles', 'bigcodereward', 'judgements', 'eval'] as const;
export const DatasetName = z.enum(DATASET_NAMES);
export type DatasetName = z.infer<typeof DatasetName>;

export const DATASET_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export const DatasetFormat = z.enum(DATASET_FORMATS);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

/**
 * A time PostgreSQL takes as a `timestamptz`: zod's ISO 8601 format checks the calendar (no 30 February) but
 * lets through year 0000 (PostgreSQL has no year 0) and offsets past ±15:59 (PostgreSQL's limit).
 */
const isoTime = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2026-11-25T00:00:00Z' })
  .max(40)
  .regex(/^(?!0000)\d{4}-.*(?:Z|[+-](?:0\d|1[0-5]):[0-5]\d)$/, 'must be a time from year 1 on, offset within ±15:59');

/** A filter compared with stored text: no control characters (PostgreSQL's text cannot even hold NUL). */
const filterText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^\P{Cc}+$/u, 'must not contain control characters');

export const DatasetQuery = z.strictObject({
  since: isoTime.optional(),
  until: isoTime.optional(),
  category: filterText(64).optional(),
  environment: filterText(32).optional(),
});
export type DatasetQuery = z.infer<typeof DatasetQuery>;

/** A message in OpenAI's format. */
export interface ChatMessageRow {
  role: 'user' | 'assistant';
  content: string;
}

/** One execution of one side's code. */
export interface ExecutionRow {
  turn: number;
  environment: string;
  runner: string;
  status: string | null;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  duration_ms: number | null;
  /** `answer`: the model's code as the battle ran it; `rerun`: run again from the UI, possibly edited (since 1.1.0). */
  origin: 'answer' | 'rerun';
  /** Language of the code extracted from that side's answer of that turn (since 1.3.0). */
  language: string | null;
  /** CPU time and peak memory the sandbox measured, when it did (since 1.3.0). */
  cpu_ms: number | null;
  peak_memory_bytes: number | null;
  /** The run showed a preview: HTML, a live app or a virtual display (since 1.3.0). */
  has_preview: boolean;
  /** The answer asked for packages to be installed (since 1.3.0). */
  install_requested: boolean;
  /** A re-run whose code differs from the answer's (edited in the UI); false for the answer's own run (since 1.3.0). */
  edited: boolean;
}

/** `battles`: one row per human vote, the Chatbot Arena clean-battle schema plus code and executions. */
export interface BattlesRow {
  question_id: string;
  model_a: string;
  model_b: string;
  winner: 'model_a' | 'model_b' | 'tie' | 'tie (bothbad)';
  /** Salted hash of the voter (stable across exports of one arena). */
  judge: string;
  conversation_a: ChatMessageRow[];
  conversation_b: ChatMessageRow[];
  turn: number;
  anony: boolean;
  language: string | null;
  tstamp: number;
  environment: string | null;
  category: string | null;
  code_a: string | null;
  code_b: string | null;
  executions_a: ExecutionRow[];
  executions_b: ExecutionRow[];
  /** Cast by a participant of a community voting session (since 1.2.0). */
  session_vote: boolean;
  /** What the voter did inside each side's rendered runs (since 1.3.0). */
  actions_a: { turn: number; origin: 'answer' | 'rerun'; events: InteractionEvent[] }[] | null;
  actions_b: { turn: number; origin: 'answer' | 'rerun'; events: InteractionEvent[] }[] | null;
}

/** `bigcodereward`: the bigcode/bigcodereward schema. */
export interface BigCodeRewardRow {
  chat_session_id: string;
  instruction: string;
  human_vote: 'vote_model_A' | 'vote_model_B' | 'vote_tie' | 'vote_both_bad';
  model_A: string;
  model_B: string;
  category_id: number | null;
  category_name: string | null;
  execution_output_A: string;
  execution_output_B: string;
  execution_error_A: string;
  execution_error_B: string;
  states: {
    model_A: { messages: [string, string][]; sandbox_logs_by_round: ExecutionRow[][] };
    model_B: { messages: [string, string][]; sandbox_logs_by_round: ExecutionRow[][] };
  };
  /** Base64 JPEG of what that side's own run of its last answer rendered, or null (since 1.3.0). */
  screenshot_A: string | null;
  screenshot_B: string | null;
}

/** `judgements`: one row per judge verdict (filled by the judge service). */
export interface JudgementRow {
  battle_id: string;
  judge: string;
  mode: 'with_execution' | 'without_execution';
  order: 'ab' | 'ba';
  verdict: 'A' | 'B' | 'tie' | 'both_bad';
  reasoning: string;
  raw_output: string;
  latency_ms: number | null;
  created_at: number;
}

/** `eval`: one row per sample run of `arena eval --store` against its task's tests. */
export interface EvalDatasetRow {
  task_set: string;
  task_id: string;
  language: string;
  model: string;
  sample: number;
  status: string;
  passed: boolean;
  cpu_ms: number | null;
  peak_memory_bytes: number | null;
  code: string | null;
  tstamp: number;
}

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'json';

/** Column documentation, for the data-set cards and for typed CSV / Parquet columns. */
export const DATASET_COLUMNS: Record<
  DatasetName,
  { name: string; type: ColumnType; nullable?: boolean; doc: string }[]
> = {
  battles: [
    { name: 'question_id', type: 'string', doc: 'battle id' },
    { name: 'model_a', type: 'string', doc: 'model shown on the left (side A)' },
    { name: 'model_b', type: 'string', doc: 'model shown on the right (side B)' },
    { name: 'winner', type: 'string', doc: 'model_a, model_b, tie or tie (bothbad)' },
    { name: 'judge', type: 'string', doc: 'salted SHA-256 hash of the voter id (stable across exports of one arena)' },
    { name: 'conversation_a', type: 'json', doc: 'side A conversation, OpenAI messages [{role, content}]' },
    { name: 'conversation_b', type: 'json', doc: 'side B conversation, OpenAI messages [{role, content}]' },
    { name: 'turn', type: 'integer', doc: 'number of user turns' },
    { name: 'anony', type: 'boolean', doc: 'the models were anonymous when the vote was cast' },
    { name: 'language', type: 'string', nullable: true, doc: "programming language of side A's code (else side B's)" },
    { name: 'tstamp', type: 'number', doc: 'vote time, seconds since the epoch' },
    {
      name: 'environment',
      type: 'string',
      nullable: true,
      doc: "execution environment of side A's code (else side B's)",
    },
    { name: 'category', type: 'string', nullable: true, doc: 'category given when the battle was created' },
    { name: 'code_a', type: 'string', nullable: true, doc: 'code extracted from side A’s last answer' },
    { name: 'code_b', type: 'string', nullable: true, doc: 'code extracted from side B’s last answer' },
    {
      name: 'executions_a',
      type: 'json',
      doc: 'side A runs [{turn, environment, runner, status, exit_code, stdout, stderr, duration_ms, origin: answer | rerun, language, cpu_ms, peak_memory_bytes, has_preview, install_requested, edited}]; re-runs from the UI may have edited code (edited: true)',
    },
    { name: 'executions_b', type: 'json', doc: 'side B runs, same shape' },
    {
      name: 'session_vote',
      type: 'boolean',
      doc: 'cast by a participant of a community voting session (one row per participant); since 1.2.0',
    },
    {
      name: 'actions_a',
      type: 'json',
      nullable: true,
      doc: 'what the voter did inside side A’s rendered runs before voting (BigCodeArena’s interaction records): [{turn, origin, events: [{type: load | click | keydown | scroll | resize | error, t (ms since load), x?, y?, key?, detail?}]}], at most 1,000 events per run; null when none (since 1.3.0)',
    },
    { name: 'actions_b', type: 'json', nullable: true, doc: 'the same for side B (since 1.3.0)' },
  ],
  bigcodereward: [
    { name: 'chat_session_id', type: 'string', doc: 'battle id' },
    { name: 'instruction', type: 'string', doc: 'the user turns, joined by blank lines' },
    { name: 'human_vote', type: 'string', doc: 'vote_model_A, vote_model_B, vote_tie or vote_both_bad' },
    { name: 'model_A', type: 'string', doc: 'model on side A' },
    { name: 'model_B', type: 'string', doc: 'model on side B' },
    {
      name: 'category_id',
      type: 'integer',
      nullable: true,
      doc: 'index of category_name among the export’s categories (sorted)',
    },
    { name: 'category_name', type: 'string', nullable: true, doc: 'battle category' },
    { name: 'execution_output_A', type: 'string', doc: 'stdout of side A’s own run of its last answer (not a re-run)' },
    { name: 'execution_output_B', type: 'string', doc: 'stdout of side B’s own run of its last answer (not a re-run)' },
    { name: 'execution_error_A', type: 'string', doc: 'stderr of side A’s own run of its last answer (not a re-run)' },
    { name: 'execution_error_B', type: 'string', doc: 'stderr of side B’s own run of its last answer (not a re-run)' },
    {
      name: 'states',
      type: 'json',
      doc: '{model_A, model_B}: {messages: [[role, content]], sandbox_logs_by_round: [[run]]}',
    },
    {
      name: 'screenshot_A',
      type: 'string',
      nullable: true,
      doc: 'base64 JPEG (at most 1024×768) of what side A’s own run of its last answer rendered (web preview, app, display, figure), taken by the arena’s headless Chromium; null when it rendered nothing (since 1.3.0)',
    },
    { name: 'screenshot_B', type: 'string', nullable: true, doc: 'the same for side B (since 1.3.0)' },
  ],
  judgements: [
    { name: 'battle_id', type: 'string', doc: 'battle id' },
    { name: 'judge', type: 'string', doc: 'judge id' },
    { name: 'mode', type: 'string', doc: 'with_execution or without_execution' },
    { name: 'order', type: 'string', doc: 'ab (as shown) or ba (sides swapped)' },
    { name: 'verdict', type: 'string', doc: 'A, B, tie or both_bad' },
    { name: 'reasoning', type: 'string', doc: 'the judge’s rationale' },
    { name: 'raw_output', type: 'string', doc: 'the judge’s raw answer' },
    { name: 'latency_ms', type: 'integer', nullable: true, doc: 'time the verdict took' },
    { name: 'created_at', type: 'number', doc: 'seconds since the epoch' },
  ],
  eval: [
    {
      name: 'task_set',
      type: 'string',
      doc: 'task set id: the task files’ names @ the first 12 hex digits of its SHA-256',
    },
    { name: 'task_id', type: 'string', doc: 'task id as in its file (HumanEval/0, CPP/3…)' },
    { name: 'language', type: 'string', doc: 'python, javascript, typescript, cpp, java, go or rust' },
    { name: 'model', type: 'string', doc: 'model id' },
    { name: 'sample', type: 'integer', doc: 'sample number of the task (0 … samples − 1)' },
    {
      name: 'status',
      type: 'string',
      doc: 'passed, failed_assertion, compile_error, runtime_error, timeout, memory_limit, output_limit, no_code, generation_error, unsupported or internal_error',
    },
    { name: 'passed', type: 'boolean', doc: 'the program passed the task’s tests' },
    { name: 'cpu_ms', type: 'integer', nullable: true, doc: 'CPU time of the run, when the sandbox measured it' },
    {
      name: 'peak_memory_bytes',
      type: 'integer',
      nullable: true,
      doc: 'peak memory of the run, when the sandbox measured it (capped at 2^31 − 1)',
    },
    { name: 'code', type: 'string', nullable: true, doc: 'the code taken from the model’s answer (null: none)' },
    { name: 'tstamp', type: 'number', doc: 'when the run was stored, seconds since the epoch' },
  ],
};

export interface DatasetSummary {
  name: DatasetName;
  rows: number;
  lastUpdate: string | null;
  schemaVersion: string;
}
