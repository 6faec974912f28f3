import {
  EVAL_STATUSES,
  type EvalFigures,
  type EvalModelRow,
  type EvalStatusCounts,
  type EvalTaskRow,
  type EvalTaskSet,
  type EvalTaskSetDetail,
} from '@arena/contracts';
import { meanPassAtK, passAtK } from '@arena/judge';
import type { EvalResultRow } from './eval.repository.js';

/** What the tables need of a set's stored runs. */
export interface EvalRunInfo {
  taskSetId: string;
  taskSetName: string;
  model: string;
  modelName: string;
  ks: number[];
  languages: Record<string, number>;
  startedAt: Date;
  finishedAt: Date | null;
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One model on one task: its samples' n and c, statuses, and the measures of its passing runs. */
interface TaskCell {
  model: string;
  taskId: string;
  language: string;
  rows: EvalResultRow[];
}

function counts(rows: readonly EvalResultRow[]): EvalStatusCounts {
  const out: EvalStatusCounts = {};
  for (const status of EVAL_STATUSES) {
    const n = rows.filter((r) => r.status === status).length;
    if (n) out[status] = n;
  }
  return out;
}

/** pass@k for each k every task has samples enough for (n ≥ k); a k some task lacks samples for is left out. */
function passAt(cells: readonly TaskCell[], ks: readonly number[]): Record<string, number> {
  const rows = cells.map((c) => ({ n: c.rows.length, c: c.rows.filter((r) => r.status === 'passed').length }));
  return Object.fromEntries(
    ks.filter((k) => rows.length > 0 && rows.every((r) => r.n >= k)).map((k) => [String(k), meanPassAtK(rows, k)]),
  );
}

function figures(cells: readonly TaskCell[], ks: readonly number[]): EvalFigures {
  const rows = cells.flatMap((c) => c.rows);
  const passing = rows.filter((r) => r.status === 'passed');
  return {
    tasks: cells.length,
    samples: rows.length,
    passed: passing.length,
    passAt: passAt(cells, ks),
    statuses: counts(rows),
    cpuMs: median(passing.flatMap((r) => (r.cpuMs !== null ? [r.cpuMs] : []))),
    peakMemoryBytes: median(passing.flatMap((r) => (r.peakMemoryBytes !== null ? [r.peakMemoryBytes] : []))),
  };
}

/**
 * A task set's table from its stored runs and sample results: per model, pass@k (the mean over the tasks it
 * has samples of, unbiased estimator), per language, statuses, median CPU time and peak memory of the passing
 * runs; models with the best pass@k at the smallest k first. A model is named as its latest run named it, else
 * as `names` (the arena's models) does.
 */
export function evalTaskSetTable(
  runs: readonly EvalRunInfo[],
  results: readonly EvalResultRow[],
  names: ReadonlyMap<string, string>,
): EvalTaskSetDetail {
  const latest = [...runs].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const newest = latest[0];
  if (!newest) throw new Error('a task set needs at least one run');
  const ks = [...new Set(runs.flatMap((r) => r.ks))].sort((a, b) => a - b);
  const cells = new Map<string, TaskCell>();
  for (const r of results) {
    const key = `${r.model}\u0000${r.language}\u0000${r.taskId}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { model: r.model, taskId: r.taskId, language: r.language, rows: [] }));
    cell.rows.push(r);
  }
  const all = [...cells.values()];
  const models = [...new Set([...runs.map((r) => r.model), ...results.map((r) => r.model)])];
  const first = String(ks[0] ?? 1);
  const rows: EvalModelRow[] = models
    .map((model) => {
      const mine = all.filter((c) => c.model === model);
      const languages = [...new Set(mine.map((c) => c.language))].sort();
      const last = latest.find((r) => r.model === model);
      return {
        model,
        name: last?.modelName ?? names.get(model) ?? model,
        ...figures(mine, ks),
        byLanguage: Object.fromEntries(
          languages.map((l) => [
            l,
            figures(
              mine.filter((c) => c.language === l),
              ks,
            ),
          ]),
        ),
        finishedAt: last?.finishedAt?.toISOString() ?? null,
      };
    })
    .sort((a, b) => (b.passAt[first] ?? -1) - (a.passAt[first] ?? -1) || a.model.localeCompare(b.model));
  const taskRows: EvalTaskRow[] = all.map((c) => {
    const passing = c.rows.filter((r) => r.status === 'passed');
    const n = c.rows.length;
    return {
      model: c.model,
      task: c.taskId,
      language: c.language,
      samples: n,
      passed: passing.length,
      passAt: Object.fromEntries(ks.filter((k) => k <= n).map((k) => [String(k), passAtK(n, passing.length, k)])),
      statuses: counts(c.rows),
      cpuMs: median(passing.flatMap((r) => (r.cpuMs !== null ? [r.cpuMs] : []))),
      peakMemoryBytes: median(passing.flatMap((r) => (r.peakMemoryBytes !== null ? [r.peakMemoryBytes] : []))),
    };
  });
  const updated = Math.max(...runs.map((r) => (r.finishedAt ?? r.startedAt).getTime()));
  return {
    id: newest.taskSetId,
    name: newest.taskSetName,
    tasks: Object.values(newest.languages).reduce((s, n) => s + n, 0),
    languages: newest.languages,
    ks,
    updatedAt: new Date(updated).toISOString(),
    models: rows,
    taskRows,
  };
}

/** The set's table without its per-task rows (`GET /api/eval`). */
export function evalTaskSetSummary(detail: EvalTaskSetDetail): EvalTaskSet {
  const { taskRows: _rows, ...summary } = detail;
  return summary;
}
