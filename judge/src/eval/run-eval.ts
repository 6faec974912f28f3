import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunStatus } from '@arena/contracts';
import type { RunResult } from '@arena/sandboxes';
import { answerCode, evalPrompt } from './answer.js';
import { assembleProgram, type AssembledProgram } from './assemble.js';
import { taskKey, type EvalTask } from './eval-task.js';
import { classifyRun, type EvalStatus } from './eval-status.js';

/** One generated sample, appended to `samples.jsonl` as soon as the model has answered. */
export interface EvalSampleRecord {
  model: string;
  /** `taskKey(task)`: language and task id. */
  task: string;
  sample: number;
  text: string;
  error?: string;
}

/** One sample's run against its task's tests, appended to `runs.jsonl` when it ends. */
export interface EvalRunRecord {
  model: string;
  task: string;
  sample: number;
  status: EvalStatus;
  /** The sandbox's own status, when the program ran. */
  runStatus?: RunStatus;
  exitCode?: number;
  durationMs?: number;
  cpuMs?: number;
  peakMemoryBytes?: number;
  runner?: string;
  /** The end of what the program printed (failures only), to see why. */
  output?: string;
}

/** What a run reports back: the sandbox's result and everything the program printed. */
export interface EvalExecution {
  result: RunResult;
  output: string;
}

export interface EvalRunOptions {
  tasks: readonly EvalTask[];
  models: readonly string[];
  /** Samples per task and model. */
  samples: number;
  /** Where samples and runs are appended as they finish: running again resumes from them. */
  outDir: string;
  /** Samples generated and run at once. */
  concurrency?: number;
  /** One answer of `model` to the chat turn `prompt` (the text as the model wrote it). */
  generate: (model: string, prompt: string, task: EvalTask, signal: AbortSignal) => Promise<string>;
  /** Run an assembled program in the sandboxes. */
  execute: (program: AssembledProgram, signal: AbortSignal) => Promise<EvalExecution>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const OUTPUT_KEPT = 2_000;

/**
 * The lines of a JSON-lines file that parse, and the file cut back to its last whole line: a process killed
 * in the middle of a write leaves a partial line, and appending after it would glue the next record to it.
 */
async function readRecords<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (text && !text.endsWith('\n')) {
    const keep = text.lastIndexOf('\n') + 1;
    const handle = await open(file, 'r+');
    try {
      await handle.truncate(Buffer.byteLength(text.slice(0, keep)));
    } finally {
      await handle.close();
    }
    text = text.slice(0, keep);
  }
  return text
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as T];
      } catch {
        return [];
      }
    });
}

/** The answers kept in an `arena eval` folder (`samples.jsonl`), as the run that resumes from it reads them. */
export function readEvalSamples(outDir: string): Promise<EvalSampleRecord[]> {
  return readRecords<EvalSampleRecord>(path.join(outDir, 'samples.jsonl'));
}

const sampleKey = (model: string, task: string, sample: number): string => `${model}\u0000${task}\u0000${sample}`;

/** Run queued jobs, `width` at a time, until they are done or the signal aborts. */
async function pool<T>(items: readonly T[], width: number, signal: AbortSignal, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length && !signal.aborted) await work(items[next++]!);
    }),
  );
}

/** A failure's output, kept short: its end says most (the assertion, the panic, the compiler's last error). */
function outputTail(output: string): string {
  return output.length > OUTPUT_KEPT ? `…${output.slice(-OUTPUT_KEPT)}` : output;
}

/**
 * `samples` answers of every model to every task, each assembled with the task's tests and run. Samples go to
 * `samples.jsonl` when generated and runs to `runs.jsonl` when they end, so a run that is stopped (or killed)
 * resumes where it was: a sample with a run is not touched again, one with only its answer is run, not
 * regenerated. Returns every run of the requested tasks and samples kept in the folder: the requested models',
 * and those of models evaluated there before (so that a new model is seen beside them).
 */
export async function runEval(options: EvalRunOptions): Promise<EvalRunRecord[]> {
  await mkdir(options.outDir, { recursive: true });
  const samplesFile = path.join(options.outDir, 'samples.jsonl');
  const runsFile = path.join(options.outDir, 'runs.jsonl');
  const signal = options.signal ?? new AbortController().signal;
  const answers = new Map(
    (await readRecords<EvalSampleRecord>(samplesFile)).map((s) => [sampleKey(s.model, s.task, s.sample), s]),
  );
  const runs = new Map(
    (await readRecords<EvalRunRecord>(runsFile)).map((r) => [sampleKey(r.model, r.task, r.sample), r]),
  );
  const jobs = options.tasks.flatMap((task) =>
    options.models.flatMap((model) =>
      Array.from({ length: options.samples }, (_, sample) => ({ task, model, sample, key: taskKey(task) })).filter(
        (j) => !runs.has(sampleKey(j.model, j.key, j.sample)),
      ),
    ),
  );
  let done = 0;
  options.onProgress?.(0, jobs.length);

  await pool(jobs, options.concurrency ?? 4, signal, async ({ task, model, sample, key }) => {
    const id = sampleKey(model, key, sample);
    let answer = answers.get(id);
    if (!answer) {
      let text = '';
      let error: string | undefined;
      try {
        text = await options.generate(model, evalPrompt(task), task, signal);
      } catch (e) {
        if (signal.aborted) return;
        error = e instanceof Error ? e.message : String(e);
      }
      answer = { model, task: key, sample, text, ...(error !== undefined ? { error } : {}) };
      await appendFile(samplesFile, `${JSON.stringify(answer)}\n`);
      answers.set(id, answer);
    }
    const record = await runSample(task, answer, options.execute, signal);
    if (!record || signal.aborted) return;
    await appendFile(runsFile, `${JSON.stringify(record)}\n`);
    runs.set(id, record);
    options.onProgress?.(++done, jobs.length);
  });

  const wanted = new Set(options.tasks.map(taskKey));
  return [...runs.values()].filter((r) => wanted.has(r.task) && r.sample < options.samples);
}

async function runSample(
  task: EvalTask,
  answer: EvalSampleRecord,
  execute: EvalRunOptions['execute'],
  signal: AbortSignal,
): Promise<EvalRunRecord | undefined> {
  const base = { model: answer.model, task: answer.task, sample: answer.sample };
  if (answer.error !== undefined) return { ...base, status: 'generation_error', output: answer.error };
  const code = answerCode(task.language, answer.text);
  if (code === undefined) return { ...base, status: 'no_code' };
  const { result, output } = await execute(assembleProgram(task, code), signal);
  if (signal.aborted) return undefined;
  const status = classifyRun(task.language, result.status, output);
  return {
    ...base,
    status,
    runStatus: result.status,
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
    durationMs: result.durationMs,
    ...(result.cpuMs !== undefined ? { cpuMs: result.cpuMs } : {}),
    ...(result.peakMemoryBytes !== undefined ? { peakMemoryBytes: result.peakMemoryBytes } : {}),
    runner: result.runner,
    ...(status !== 'passed' ? { output: outputTail(output) } : {}),
  };
}
