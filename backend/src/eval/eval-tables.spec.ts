import { describe, expect, it } from 'vitest';
import { evalTaskSetSummary, evalTaskSetTable, type EvalRunInfo } from './eval-tables.js';
import type { EvalResultRow } from './eval.repository.js';

const run = (model: string, at: string, ks: number[], finished = true): EvalRunInfo => ({
  taskSetId: 'set@0123456789ab',
  taskSetName: 'set',
  model,
  modelName: `Model ${model}`,
  ks,
  languages: { go: 1, python: 2 },
  startedAt: new Date(at),
  finishedAt: finished ? new Date(at) : null,
});

const rows = (model: string, taskId: string, language: string, statuses: EvalResultRow['status'][]): EvalResultRow[] =>
  statuses.map((status, sample) => ({
    taskSetId: 'set@0123456789ab',
    model,
    taskId,
    language,
    sample,
    status,
    cpuMs: status === 'passed' ? 10 * (sample + 1) : null,
    peakMemoryBytes: status === 'passed' ? 1000 * (sample + 1) : null,
  }));

/** 1 − C(n−c, k)/C(n, k) for the small cases here, written out. */
const C = (n: number, k: number): number => (k > n ? 0 : k === 0 ? 1 : (n * C(n - 1, k - 1)) / k);
const passAt = (n: number, c: number, k: number): number => 1 - C(n - c, k) / C(n, k);

describe('evalTaskSetTable', () => {
  const results = [
    ...rows('a', 'P/0', 'python', ['passed', 'failed_assertion', 'passed']),
    ...rows('a', 'P/1', 'python', ['timeout', 'timeout', 'passed']),
    ...rows('a', 'Go/0', 'go', ['compile_error', 'compile_error', 'compile_error']),
    ...rows('b', 'P/0', 'python', ['passed', 'passed', 'passed']),
    ...rows('b', 'P/1', 'python', ['passed', 'passed', 'passed']),
    ...rows('b', 'Go/0', 'go', ['passed', 'runtime_error', 'passed']),
  ];
  const table = evalTaskSetTable(
    [run('a', '2026-11-01T00:00:00Z', [1]), run('b', '2026-11-02T00:00:00Z', [1, 2], false)],
    results,
    new Map([['a', 'ignored: the run names it']]),
  );

  it('scores each model with the unbiased estimator, overall and per language, best first', () => {
    expect(table.models.map((m) => [m.model, m.name])).toEqual([
      ['b', 'Model b'],
      ['a', 'Model a'],
    ]);
    const [b, a] = table.models;
    expect(table.ks).toEqual([1, 2]);
    for (const k of [1, 2]) {
      expect(a!.passAt[String(k)]).toBeCloseTo((passAt(3, 2, k) + passAt(3, 1, k) + passAt(3, 0, k)) / 3, 12);
      expect(a!.byLanguage['python']!.passAt[String(k)]).toBeCloseTo((passAt(3, 2, k) + passAt(3, 1, k)) / 2, 12);
      expect(b!.passAt[String(k)]).toBeCloseTo((1 + 1 + passAt(3, 2, k)) / 3, 12);
    }
    expect(a).toMatchObject({
      tasks: 3,
      samples: 9,
      passed: 3,
      statuses: { passed: 3, failed_assertion: 1, timeout: 2, compile_error: 3 },
      byLanguage: { go: { tasks: 1, passed: 0, cpuMs: null, peakMemoryBytes: null } },
      finishedAt: '2026-11-01T00:00:00.000Z',
    });
    expect(b!.finishedAt).toBeNull();
  });

  it('gives median CPU time and memory of the passing runs, per-task rows, and the set from its newest run', () => {
    // a's passing runs: samples 0 and 2 of P/0 (10, 30 ms) and sample 2 of P/1 (30 ms).
    expect(table.models[1]).toMatchObject({ cpuMs: 30, peakMemoryBytes: 3000 });
    const row = table.taskRows.find((r) => r.model === 'a' && r.task === 'P/1')!;
    expect(row).toMatchObject({ samples: 3, passed: 1, statuses: { timeout: 2, passed: 1 } });
    expect(row.passAt['1']).toBeCloseTo(1 / 3, 12);
    expect(row.passAt['2']).toBeCloseTo(passAt(3, 1, 2), 12);
    expect(table).toMatchObject({ id: 'set@0123456789ab', tasks: 3, languages: { go: 1, python: 2 } });
    expect(table.updatedAt).toBe('2026-11-02T00:00:00.000Z');
    expect(evalTaskSetSummary(table)).not.toHaveProperty('taskRows');
  });

  it('leaves out a k some task has too few samples for', () => {
    const few = evalTaskSetTable(
      [run('c', '2026-11-01T00:00:00Z', [1, 5])],
      rows('c', 'P/0', 'python', ['passed']),
      new Map(),
    );
    expect(few.models[0]!.passAt).toEqual({ '1': 1 });
  });
});
