import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  answerCode,
  evalCsv,
  evalLanguage,
  evalTaskSet,
  evalSvg,
  evalTable,
  readEvalSamples,
  readTaskFile,
  runEval,
  scoreEval,
  TaskFileError,
  type EvalLanguage,
  type EvalRunRecord,
  type EvalTask,
  type EvalTaskSetIdentity,
} from '@arena/judge';
import type { DataSource } from 'typeorm';
import type { ArenaConfig } from '../../config/config.js';
import { EvalRepository } from '../../eval/eval.repository.js';
import { createLogger } from '../../logging/logger.js';
import { ModelsRepository } from '../../models/models.repository.js';
import { loadModelsFile, type ModelSpec } from '../../models/models-file.js';
import { createProvider } from '../../models/provider-factory.js';
import type { ModelProvider } from '../../models/providers/provider.js';
import type { ReplayIndex } from '../../models/providers/replay-index.js';
import { createSandboxRegistry } from '../../sandboxes/sandbox-registry.factory.js';
import { withDatabase } from '../database.js';
import { progressBar } from '../progress.js';
import { spread } from '../round-robin.js';
import { UsageError } from '../usage.js';

/**
 * `arena eval`: test-based evaluation. Every model (of the models file, or those `--model` names) answers
 * `--samples` times each task of the HumanEval / HumanEval-X / MultiPL-E files; each answer's code runs with
 * the task's tests in the sandboxes; pass@k per model and language. Samples and runs are appended to `--out`
 * as they finish (running the same command again resumes), and the results are written there as
 * results.json, results.csv and chart.svg; models already evaluated in that folder are scored beside the new.
 * With `--store`, the runs are kept in the arena's database too (`GET /api/eval`, the `eval` data set), and the
 * models stored earlier on the same task set are scored beside the new; `--models-from-db` takes the models an
 * operator added through the admin API as well as (or instead of) the models file's.
 */
export async function evaluate(args: string[], config: ArenaConfig): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    // `--tasks a.jsonl b.jsonl …`: the files after the flag arrive as positionals.
    allowPositionals: true,
    options: {
      tasks: { type: 'string', multiple: true },
      models: { type: 'string' },
      model: { type: 'string', multiple: true },
      samples: { type: 'string', default: '1' },
      k: { type: 'string' },
      limit: { type: 'string' },
      language: { type: 'string' },
      out: { type: 'string', default: 'eval-out' },
      format: { type: 'string', default: 'table' },
      concurrency: { type: 'string', default: '4' },
      store: { type: 'boolean', default: false },
      'models-from-db': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.tasks?.length) throw new UsageError('--tasks FILE (one or more) is required');
  if (!values.models && !values['models-from-db'])
    throw new UsageError('--models FILE (or --models-from-db) is required');
  if (values.format !== 'table' && values.format !== 'json') throw new UsageError('--format must be table or json');
  const integer = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer`);
    return n;
  };
  const samples = integer('--samples', values.samples) ?? 1;
  const limit = integer('--limit', values.limit);
  const concurrency = integer('--concurrency', values.concurrency) ?? 4;
  const ks = [
    ...new Set((values.k ?? (samples >= 10 ? '1,10' : '1')).split(',').map((k) => integer('--k', k.trim())!)),
  ];
  const tooBig = ks.find((k) => k > samples);
  if (tooBig !== undefined)
    throw new UsageError(`--k ${tooBig} needs --samples ${tooBig} or more (pass@k needs n ≥ k)`);
  let language: EvalLanguage | undefined;
  if (values.language !== undefined) {
    language = evalLanguage(values.language);
    if (!language) throw new UsageError(`--language ${values.language}: not one arena eval runs`);
  }

  let tasks: EvalTask[];
  try {
    tasks = (await Promise.all([...values.tasks, ...positionals].map((f) => readTaskFile(f, language)))).flat();
  } catch (error) {
    if (error instanceof TaskFileError) throw new UsageError(error.message);
    throw error;
  }
  tasks = spread(tasks, limit, (t) => t.language);
  if (tasks.length === 0) throw new UsageError('no tasks in the given files');
  const keys = new Set<string>();
  for (const t of tasks) {
    const key = `${t.language}:${t.id}`;
    if (keys.has(key)) throw new UsageError(`${t.source}: task ${t.id} (${t.language}) is given twice`);
    keys.add(key);
  }

  const files = [...values.tasks, ...positionals];
  const options = { ...values, tasks, files, samples, ks, concurrency };
  if (values.store || values['models-from-db']) await withDatabase(config, (db) => evaluateTasks(options, config, db));
  else await evaluateTasks(options, config, undefined);
}

interface EvalOptions {
  tasks: EvalTask[];
  files: string[];
  models?: string | undefined;
  model?: string[] | undefined;
  'models-from-db'?: boolean | undefined;
  store?: boolean | undefined;
  samples: number;
  ks: number[];
  out: string;
  format: string;
  concurrency: number;
}

/** The models asked for: the models file's, and with `--models-from-db` those an operator added; `--model` picks. */
async function evalModels(values: EvalOptions, db: DataSource | undefined): Promise<ModelSpec[]> {
  let specs: ModelSpec[] = [];
  if (values.models) {
    try {
      specs = await loadModelsFile(values.models);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
    }
  }
  if (db && values['models-from-db']) {
    const added = (await new ModelsRepository(db.manager).all()).flatMap((m) => (m.active && m.spec ? [m.spec] : []));
    specs = [...specs, ...added.filter((a) => !specs.some((s) => s.id === a.id))];
  }
  const from = [values.models, values['models-from-db'] ? 'the database' : undefined].filter(Boolean).join(' or ');
  const unknown = values.model?.find((id) => !specs.some((s) => s.id === id));
  if (unknown) throw new UsageError(`--model ${unknown} is not in ${from} (${specs.map((s) => s.id).join(', ')})`);
  if (values.model?.length) specs = specs.filter((s) => values.model!.includes(s.id));
  if (specs.length === 0) throw new UsageError(`no models to evaluate in ${from}`);
  return specs;
}

/** Runs kept in the database for the task set, of models not in `runs`, as run records. */
async function storedRuns(
  db: DataSource,
  taskSet: EvalTaskSetIdentity,
  runs: readonly EvalRunRecord[],
  ks: readonly number[],
): Promise<EvalRunRecord[]> {
  const local = new Set(runs.map((r) => r.model));
  const rows = (await new EvalRepository(db.manager).results(taskSet.id)).filter((r) => !local.has(r.model));
  const perTask = new Map<string, number>();
  for (const r of rows)
    perTask.set(
      `${r.model}\u0000${r.language}:${r.taskId}`,
      (perTask.get(`${r.model}\u0000${r.language}:${r.taskId}`) ?? 0) + 1,
    );
  // pass@k needs k samples of each task: a model stored with fewer is left out of this table (not of the API's).
  const short = new Set([...perTask].filter(([, n]) => n < Math.max(...ks)).map(([key]) => key.split('\u0000')[0]!));
  return rows
    .filter((r) => !short.has(r.model))
    .map((r) => ({
      model: r.model,
      task: `${r.language}:${r.taskId}`,
      sample: r.sample,
      status: r.status,
      ...(r.cpuMs !== null ? { cpuMs: r.cpuMs } : {}),
      ...(r.peakMemoryBytes !== null ? { peakMemoryBytes: r.peakMemoryBytes } : {}),
    }));
}

async function evaluateTasks(values: EvalOptions, config: ArenaConfig, db: DataSource | undefined): Promise<void> {
  const { tasks, samples, ks, concurrency } = values;
  const specs = await evalModels(values, db);
  const replayIndexes = new Map<string, Promise<ReplayIndex>>();
  const providers = new Map<string, ModelProvider>();
  for (const spec of specs) providers.set(spec.id, await createProvider(spec, replayIndexes));

  const logger = createLogger('Eval');
  const registry = createSandboxRegistry(config, { poolSize: Math.min(4, concurrency) });
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const taskSet = evalTaskSet(values.files, tasks);
  const store = db && values.store ? new EvalRepository(db.manager) : undefined;
  const runIds = new Map<string, string>();
  if (store) {
    const languages: Record<string, number> = {};
    for (const t of tasks) languages[t.language] = (languages[t.language] ?? 0) + 1;
    for (const spec of specs)
      runIds.set(
        spec.id,
        await store.startRun({
          taskSetId: taskSet.id,
          taskSetName: taskSet.name,
          taskSetHash: taskSet.hash,
          model: spec.id,
          modelName: spec.name,
          samples,
          ks,
          languages,
        }),
      );
  }
  try {
    await registry.warm();
    logger.info(
      {
        tasks: tasks.length,
        taskSet: taskSet.id,
        models: specs.length,
        samples,
        out: values.out,
        runners: registry.describe(),
        store: !!store,
      },
      'eval started',
    );
    const runs = await runEval({
      tasks,
      models: specs.map((s) => s.id),
      samples,
      outDir: values.out,
      concurrency,
      signal: stop.signal,
      onProgress: progressBar('eval'),
      generate: async (model, prompt, _task, signal) => {
        let text = '';
        await providers.get(model)!.generate({
          messages: [{ role: 'user', content: prompt }],
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.generation.timeoutMs)]),
          onText: (t) => (text += t),
        });
        return text;
      },
      execute: async (program, signal) => {
        let output = '';
        const result = await registry.run(
          {
            environment: program.language,
            code: program.code,
            ...(program.files ? { files: program.files } : {}),
            limits: config.runLimits,
            // Judged by its exit status: a task's mock API (or an answer's own server) never makes it a live app.
            app: false,
          },
          { signal, onOutput: (chunk) => (output += chunk.data) },
        );
        if (result.status === 'internal_error' || result.status === 'unsupported')
          logger.warn({ language: program.language, status: result.status, message: result.message }, 'run not judged');
        return { result, output };
      },
    });
    if (store) {
      // What this command's models have in the folder (this run's and an interrupted one's), with their code.
      const texts = new Map(
        (await readEvalSamples(values.out)).map((a) => [`${a.model}\u0000${a.task}\u0000${a.sample}`, a.text]),
      );
      const byKey = new Map(tasks.map((t) => [`${t.language}:${t.id}`, t]));
      for (const [model, runId] of runIds) {
        const mine = runs.filter((r) => r.model === model);
        await store.storeResults(
          runId,
          taskSet.id,
          mine.map((r) => {
            const task = byKey.get(r.task)!;
            const text = texts.get(`${r.model}\u0000${r.task}\u0000${r.sample}`);
            return {
              model,
              taskId: task.id,
              language: task.language,
              sample: r.sample,
              status: r.status,
              cpuMs: r.cpuMs,
              peakMemoryBytes: r.peakMemoryBytes,
              durationMs: r.durationMs,
              code: text !== undefined ? answerCode(task.language, text) : undefined,
            };
          }),
        );
        if (!stop.signal.aborted) await store.finishRun(runId);
      }
      logger.info({ taskSet: taskSet.id, models: runIds.size }, 'eval results stored');
    }
    if (stop.signal.aborted) {
      process.stderr.write(`eval: interrupted; run the same command again to resume from ${values.out}\n`);
      process.exitCode = 130;
      return;
    }
    // Models evaluated earlier in the same folder, or stored on the same task set, stand beside the new ones.
    const all = db ? [...runs, ...(await storedRuns(db, taskSet, runs, ks))] : runs;
    const models = [...new Set([...specs.map((s) => s.id), ...all.map((r) => r.model)])];
    const results = scoreEval(tasks, models, all, ks);
    await mkdir(values.out, { recursive: true });
    await writeFile(path.join(values.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(values.out, 'results.csv'), evalCsv(results, ks));
    await writeFile(path.join(values.out, 'chart.svg'), evalSvg(results, ks));
    logger.info({ out: values.out, runs: runs.length, taskSet: taskSet.id }, 'eval finished');
    process.stdout.write(
      values.format === 'json' ? `${JSON.stringify({ models: results.models }, null, 2)}\n` : evalTable(results, ks),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await registry.close();
  }
}
