import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  evalCsv,
  evalLanguage,
  evalSvg,
  evalTable,
  readTaskFile,
  runEval,
  scoreEval,
  TaskFileError,
  type EvalLanguage,
  type EvalTask,
} from '@arena/judge';
import type { ArenaConfig } from '../../config/config.js';
import { createLogger } from '../../logging/logger.js';
import { loadModelsFile, type ModelSpec } from '../../models/models-file.js';
import { createProvider } from '../../models/provider-factory.js';
import type { ModelProvider } from '../../models/providers/provider.js';
import type { ReplayIndex } from '../../models/providers/replay-index.js';
import { createSandboxRegistry } from '../../sandboxes/sandbox-registry.factory.js';
import { progressBar } from '../progress.js';
import { spread } from '../round-robin.js';
import { UsageError } from '../usage.js';

/**
 * `arena eval`: test-based evaluation. Every model (of the models file, or those `--model` names) answers
 * `--samples` times each task of the HumanEval / HumanEval-X / MultiPL-E files; each answer's code runs with
 * the task's tests in the sandboxes; pass@k per model and language. Samples and runs are appended to `--out`
 * as they finish (running the same command again resumes), and the results are written there as
 * results.json, results.csv and chart.svg; models already evaluated in that folder are scored beside the new.
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
    },
    strict: true,
  });
  if (!values.tasks?.length) throw new UsageError('--tasks FILE (one or more) is required');
  if (!values.models) throw new UsageError('--models FILE is required');
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

  let specs: ModelSpec[];
  try {
    specs = await loadModelsFile(values.models);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const unknown = values.model?.find((id) => !specs.some((s) => s.id === id));
  if (unknown)
    throw new UsageError(`--model ${unknown} is not in ${values.models} (${specs.map((s) => s.id).join(', ')})`);
  if (values.model?.length) specs = specs.filter((s) => values.model!.includes(s.id));
  const replayIndexes = new Map<string, Promise<ReplayIndex>>();
  const providers = new Map<string, ModelProvider>();
  for (const spec of specs) providers.set(spec.id, await createProvider(spec, replayIndexes));

  const logger = createLogger('Eval');
  const registry = createSandboxRegistry(config, { poolSize: Math.min(4, concurrency) });
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await registry.warm();
    logger.info(
      { tasks: tasks.length, models: specs.length, samples, out: values.out, runners: registry.describe() },
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
          },
          { signal, onOutput: (chunk) => (output += chunk.data) },
        );
        if (result.status === 'internal_error' || result.status === 'unsupported')
          logger.warn({ language: program.language, status: result.status, message: result.message }, 'run not judged');
        return { result, output };
      },
    });
    if (stop.signal.aborted) {
      process.stderr.write(`eval: interrupted; run the same command again to resume from ${values.out}\n`);
      process.exitCode = 130;
      return;
    }
    // Models evaluated earlier in the same folder stand beside the new ones.
    const models = [...new Set([...specs.map((s) => s.id), ...runs.map((r) => r.model)])];
    const results = scoreEval(tasks, models, runs, ks);
    await mkdir(values.out, { recursive: true });
    await writeFile(path.join(values.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(values.out, 'results.csv'), evalCsv(results, ks));
    await writeFile(path.join(values.out, 'chart.svg'), evalSvg(results, ks));
    logger.info({ out: values.out, runs: runs.length }, 'eval finished');
    process.stdout.write(
      values.format === 'json' ? `${JSON.stringify({ models: results.models }, null, 2)}\n` : evalTable(results, ks),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await registry.close();
  }
}
