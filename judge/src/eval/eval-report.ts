import { taskKey, type EvalTask } from './eval-task.js';
import { EVAL_STATUSES, type EvalStatus } from './eval-status.js';
import { meanPassAtK, passAtK } from './pass-at-k.js';
import type { EvalRunRecord } from './run-eval.js';

export type PassAt = Record<string, number>;
export type StatusCounts = Partial<Record<EvalStatus, number>>;

/** A model over the task set: the protocol's JSON (`arena eval --format json`). */
export interface EvalModelScore {
  model: string;
  tasks: number;
  samples: number;
  passAt: PassAt;
  byLanguage: Record<string, { tasks: number; passAt: PassAt }>;
  statuses: StatusCounts;
}

/** A model on one task: its samples' statuses, and the CPU time and peak memory of the passing runs. */
export interface EvalTaskScore {
  model: string;
  task: string;
  language: string;
  samples: number;
  passed: number;
  passAt: PassAt;
  statuses: StatusCounts;
  /** Median CPU time of the passing runs (when the sandbox measured it). */
  cpuMs?: number;
  /** Largest peak memory of the passing runs (when the sandbox measured it). */
  peakMemoryBytes?: number;
}

export interface EvalResults {
  models: EvalModelScore[];
  tasks: EvalTaskScore[];
}

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function count(statuses: StatusCounts, status: EvalStatus): void {
  statuses[status] = (statuses[status] ?? 0) + 1;
}

/**
 * pass@k for each k, per model overall and per language (the mean over tasks of the unbiased estimator), the
 * statuses of every sample, and per task. A task counts the runs it has (all of them after a finished run).
 */
export function scoreEval(
  tasks: readonly Pick<EvalTask, 'id' | 'language'>[],
  models: readonly string[],
  runs: readonly EvalRunRecord[],
  ks: readonly number[],
): EvalResults {
  const byKey = new Map<string, EvalRunRecord[]>();
  for (const run of runs) {
    const key = `${run.model}\u0000${run.task}`;
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  const passAt = (rows: readonly { n: number; c: number }[]): PassAt =>
    Object.fromEntries(ks.map((k) => [String(k), meanPassAtK(rows, k)]));
  const taskScores: EvalTaskScore[] = [];
  const modelScores = models.map((model): EvalModelScore => {
    const statuses: StatusCounts = {};
    const rows: { language: string; n: number; c: number }[] = [];
    let samples = 0;
    for (const task of tasks) {
      const mine = byKey.get(`${model}\u0000${taskKey(task)}`) ?? [];
      if (mine.length === 0) continue;
      const own: StatusCounts = {};
      for (const run of mine) {
        count(own, run.status);
        count(statuses, run.status);
      }
      const passing = mine.filter((r) => r.status === 'passed');
      const n = mine.length;
      const c = passing.length;
      samples += n;
      rows.push({ language: task.language, n, c });
      const cpu = median(passing.flatMap((r) => (r.cpuMs !== undefined ? [r.cpuMs] : [])));
      const memory = passing.flatMap((r) => (r.peakMemoryBytes !== undefined ? [r.peakMemoryBytes] : []));
      taskScores.push({
        model,
        task: task.id,
        language: task.language,
        samples: n,
        passed: c,
        passAt: Object.fromEntries(ks.filter((k) => k <= n).map((k) => [String(k), passAtK(n, c, k)])),
        statuses: own,
        ...(cpu !== undefined ? { cpuMs: cpu } : {}),
        ...(memory.length ? { peakMemoryBytes: Math.max(...memory) } : {}),
      });
    }
    const languages = [...new Set(rows.map((r) => r.language))].sort();
    return {
      model,
      tasks: rows.length,
      samples,
      passAt: passAt(rows),
      byLanguage: Object.fromEntries(
        languages.map((language) => {
          const mine = rows.filter((r) => r.language === language);
          return [language, { tasks: mine.length, passAt: passAt(mine) }];
        }),
      ),
      statuses,
    };
  });
  return { models: modelScores, tasks: taskScores };
}

const csvField = (value: string | number | undefined): string => {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * One row per model overall (`language` and `task` are `*`), per model and language (`task` `*`), and per
 * model and task: samples, passes, pass@k, the count of each status, CPU time and peak memory of passing runs.
 */
export function evalCsv(results: EvalResults, ks: readonly number[]): string {
  const header = [
    'model',
    'language',
    'task',
    'samples',
    'passed',
    ...ks.map((k) => `pass@${k}`),
    ...EVAL_STATUSES,
    'cpu_ms',
    'peak_memory_bytes',
  ];
  const lines = [header.join(',')];
  const row = (
    model: string,
    language: string,
    task: string,
    samples: number,
    passed: number | undefined,
    at: PassAt,
    statuses: StatusCounts | undefined,
    cpu?: number,
    memory?: number,
  ): void => {
    lines.push(
      [
        model,
        language,
        task,
        samples,
        passed,
        ...ks.map((k) => (at[String(k)] !== undefined ? at[String(k)]!.toFixed(6) : undefined)),
        ...EVAL_STATUSES.map((s) => (statuses ? (statuses[s] ?? 0) : undefined)),
        cpu,
        memory,
      ]
        .map(csvField)
        .join(','),
    );
  };
  for (const m of results.models) {
    row(m.model, '*', '*', m.samples, m.statuses.passed ?? 0, m.passAt, m.statuses);
    for (const [language, l] of Object.entries(m.byLanguage)) {
      const mine = results.tasks.filter((t) => t.model === m.model && t.language === language);
      const statuses: StatusCounts = {};
      for (const t of mine)
        for (const [s, n] of Object.entries(t.statuses) as [EvalStatus, number][]) statuses[s] = (statuses[s] ?? 0) + n;
      row(
        m.model,
        language,
        '*',
        mine.reduce((sum, t) => sum + t.samples, 0),
        mine.reduce((sum, t) => sum + t.passed, 0),
        l.passAt,
        statuses,
      );
    }
  }
  for (const t of results.tasks)
    row(t.model, t.language, t.task, t.samples, t.passed, t.passAt, t.statuses, t.cpuMs, t.peakMemoryBytes);
  return `${lines.join('\n')}\n`;
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** pass@k (the smallest k asked) per model, overall and per language, as horizontal bars. */
export function evalSvg(results: EvalResults, ks: readonly number[]): string {
  const k = String(Math.min(...ks));
  const languages = [...new Set(results.models.flatMap((m) => Object.keys(m.byLanguage)))].sort();
  const groups = ['all', ...languages];
  const bar = 14;
  const gap = 4;
  const label = 150;
  const width = 640;
  const plot = width - label - 60;
  const groupHeight = results.models.length * (bar + gap) + 18;
  const height = 40 + groups.length * groupHeight;
  const colours = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">pass@${k} by language</text>`,
  ];
  groups.forEach((group, g) => {
    const top = 36 + g * groupHeight;
    parts.push(`<text x="10" y="${top + 10}" font-weight="bold">${escapeXml(group)}</text>`);
    results.models.forEach((m, i) => {
      const value = group === 'all' ? m.passAt[k] : m.byLanguage[group]?.passAt[k];
      const y = top + 16 + i * (bar + gap);
      parts.push(`<text x="20" y="${y + bar - 3}">${escapeXml(m.model)}</text>`);
      if (value === undefined) return;
      parts.push(
        `<rect x="${label}" y="${y}" width="${(plot * value).toFixed(1)}" height="${bar}" fill="${colours[i % colours.length]}"/>`,
        `<text x="${label + plot * value + 4}" y="${y + bar - 3}">${(value * 100).toFixed(1)}%</text>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The models side by side: tasks, samples, pass@k overall and per language, and how the samples ended. */
export function evalTable(results: EvalResults, ks: readonly number[]): string {
  const pct = (v: number | undefined): string => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
  const languages = [...new Set(results.models.flatMap((m) => Object.keys(m.byLanguage)))].sort();
  const header = [
    'model',
    'tasks',
    'samples',
    ...ks.map((k) => `pass@${k}`),
    ...languages.map((l) => `${l} pass@${ks[0]}`),
  ];
  const rows = [...results.models]
    .sort((a, b) => (b.passAt[String(ks[0])] ?? 0) - (a.passAt[String(ks[0])] ?? 0))
    .map((m) => [
      m.model,
      String(m.tasks),
      String(m.samples),
      ...ks.map((k) => pct(m.passAt[String(k)])),
      ...languages.map((l) => pct(m.byLanguage[l]?.passAt[String(ks[0])])),
    ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line), ''];
  for (const m of results.models)
    out.push(
      `${m.model}: ${
        EVAL_STATUSES.filter((s) => m.statuses[s])
          .map((s) => `${s} ${m.statuses[s]}`)
          .join(', ') || 'no samples'
      }`,
    );
  return `${out.join('\n')}\n`;
}
