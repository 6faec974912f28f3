import { z } from 'zod';

/** How one sample of `arena eval` ended against its task's tests. */
export const EVAL_STATUSES = [
  'passed',
  'failed_assertion',
  'compile_error',
  'runtime_error',
  'timeout',
  'memory_limit',
  'output_limit',
  /** The answer held no code. */
  'no_code',
  /** The model gave no answer (its provider failed). */
  'generation_error',
  'unsupported',
  'internal_error',
] as const;
export const EvalStatus = z.enum(EVAL_STATUSES);
export type EvalStatus = z.infer<typeof EvalStatus>;

/** pass@k by k (`"1"`, `"10"`): the mean over tasks of the unbiased estimator (Chen et al. 2021). */
export type EvalPassAt = Record<string, number>;
export type EvalStatusCounts = Partial<Record<EvalStatus, number>>;

/**
 * A task set's id: its name (the task files' names) and the first 12 hex digits of the SHA-256 of the tasks
 * it holds, so that the same name with other tasks (another `--limit`, an edited file) is another set.
 */
export const EvalTaskSetId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._+-]+@[0-9a-f]{12}$/, 'must be NAME@HASH, as GET /api/eval lists them');

/** A model's figures over some tasks: samples, pass@k, how the samples ended, CPU and memory of passing runs. */
export interface EvalFigures {
  tasks: number;
  samples: number;
  passed: number;
  passAt: EvalPassAt;
  statuses: EvalStatusCounts;
  /** Median CPU time of the passing runs, when the sandboxes measured it. */
  cpuMs: number | null;
  /** Median peak memory of the passing runs, when the sandboxes measured it. */
  peakMemoryBytes: number | null;
}

/** One model on a task set: overall and per language. */
export interface EvalModelRow extends EvalFigures {
  model: string;
  /** The model's display name, when the arena knows the model. */
  name: string;
  byLanguage: Record<string, EvalFigures>;
  /** When its latest stored run on this set finished (null while one is still going or was stopped). */
  finishedAt: string | null;
}

/** A task set and the models evaluated on it, best pass@k (smallest k) first. */
export interface EvalTaskSet {
  id: string;
  name: string;
  /** Tasks in the set, and per language. */
  tasks: number;
  languages: Record<string, number>;
  /** The k of pass@k reported (every k asked by a run that has enough samples). */
  ks: number[];
  updatedAt: string;
  models: EvalModelRow[];
}

/** One model on one task of a set. */
export interface EvalTaskRow {
  model: string;
  task: string;
  language: string;
  samples: number;
  passed: number;
  passAt: EvalPassAt;
  statuses: EvalStatusCounts;
  cpuMs: number | null;
  peakMemoryBytes: number | null;
}

/** `GET /api/eval/:taskSetId`: the set's table and every model's result on every task. */
export interface EvalTaskSetDetail extends EvalTaskSet {
  taskRows: EvalTaskRow[];
}
