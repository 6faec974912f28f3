import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxRegistry } from '@arena/sandboxes';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sharedData } from '@arena/testkit';
import {
  readTaskFile,
  runEval,
  scoreEval,
  taskKey,
  type AssembledProgram,
  type EvalExecution,
  type EvalTask,
} from '../../src/index.js';
import { chatAnswer, fixtureFiles, fixtureTasks, type FixtureTask } from './fixtures.js';

/**
 * `arena eval`'s core against the real sandboxes (Docker for C++, Java, Go, Rust, Node-API TypeScript and
 * Python; isolated-vm for plain JavaScript): every task's canonical solution passes, given both as a chat
 * answer (the complete function in a fence) and as a bare completion, and its broken solution ends with the
 * status written beside it (failed assertion, runtime error, compile error, timeout).
 */
const registry = new SandboxRegistry({ docker: { poolSize: 2, maxConcurrent: 2 }, pyodide: false });
// A generous wall clock: compiles on a loaded machine are slow (a timeout here would be the machine's, not the
// program's); the CPU limit is what ends the one program that never stops.
const LIMITS = { wallMs: 120_000, cpuMs: 3_000 };

async function execute(program: AssembledProgram, signal: AbortSignal): Promise<EvalExecution> {
  let output = '';
  const result = await registry.run(
    {
      environment: program.language,
      code: program.code,
      ...(program.files ? { files: program.files } : {}),
      limits: LIMITS,
      // As `arena eval` runs them: a task's mock API is a server inside the program, not a live app.
      app: false,
    },
    { signal, onOutput: (c) => (output += c.data) },
  );
  return { result, output };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'arena-eval-'));
  await registry.start();
  expect(registry.runnerFor('cpp')?.kind, 'these tests need the Docker engine and the sandbox image').toBe('docker');
}, 120_000);
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

/** Three replayed models over the tasks: chat answers from the canonical and broken solutions, and bare completions. */
async function replay(fixtures: FixtureTask[], out: string) {
  const byKey = new Map(fixtures.map((f) => [taskKey(f.task), f]));
  const tasks = fixtures.map((f) => f.task);
  const models = ['canonical', 'completion', 'broken'];
  const runs = await runEval({
    tasks,
    models,
    samples: 1,
    outDir: out,
    concurrency: 2,
    execute,
    generate: (model, prompt, task) => {
      const f = byKey.get(taskKey(task))!;
      expect(prompt).toContain(task.prompt.trim());
      if (model === 'completion') return Promise.resolve(f.canonical);
      return Promise.resolve(chatAnswer(task, model === 'canonical' ? f.canonical : f.broken));
    },
  });
  return { runs, scores: scoreEval(tasks, models, runs, [1]), tasks };
}

describe('HumanEval-X and MultiPL-E tasks in every language', async () => {
  const files = await fixtureFiles();
  for (const file of files) {
    it(`${path.basename(file)}: canonical solutions pass, broken ones fail as written`, async () => {
      const fixtures = await fixtureTasks(file);
      const { runs, scores } = await replay(fixtures, path.join(dir, path.basename(file)));
      const why = (model: string, task: EvalTask): string =>
        JSON.stringify(runs.find((r) => r.model === model && r.task === taskKey(task)));
      for (const f of fixtures) {
        const status = (model: string) => runs.find((r) => r.model === model && r.task === taskKey(f.task))?.status;
        expect(status('canonical'), why('canonical', f.task)).toBe('passed');
        expect(status('completion'), why('completion', f.task)).toBe('passed');
        expect(status('broken'), why('broken', f.task)).toBe(f.brokenStatus);
      }
      const [canonical, completion, broken] = scores.models;
      expect(canonical!.passAt['1']).toBe(1);
      expect(completion!.passAt['1']).toBe(1);
      expect(broken!.passAt['1']).toBe(0);
      expect(broken!.statuses.passed ?? 0).toBe(0);
      // Twelve compiles can take minutes on a loaded 2-core machine; nothing here is timed.
    }, 480_000);
  }
});

/**
 * The canonical solution with its result made wrong but of the same type (a bool negated, a number plus one,
 * a string or list one element longer): every check that compares the result then fails its assert.
 */
function wrongAnswer(task: EvalTask): string {
  const name = task.entryPoint;
  return `${task.canonicalSolution!}

_arena_right = ${name}


def _arena_wrong(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, (list, tuple)):
        return type(value)(list(value) + [value[0] if value else 0])
    return None


def ${name}(*args, **kwargs):
    return _arena_wrong(_arena_right(*args, **kwargs))
`;
}

const SUITE = 'arena eval on OpenAI HumanEval (Python)';
const shared = sharedData(SUITE, ['humaneval']);
describe.skipIf(shared.missing)(SUITE, () => {
  it('replays the canonical solutions of the first tasks (all pass) and broken ones (all fail their asserts)', async () => {
    const tasks = (await readTaskFile(path.join(shared.dir, 'humaneval/HumanEval.jsonl.gz'))).slice(0, 12);
    expect(tasks.map((t) => t.format)).toEqual(Array(12).fill('humaneval'));
    const fixtures = tasks.map((task): FixtureTask => ({
      task,
      canonical: task.canonicalSolution!,
      broken: wrongAnswer(task),
      brokenStatus: 'failed_assertion',
    }));
    const { runs, scores } = await replay(fixtures, path.join(dir, 'humaneval'));
    for (const f of fixtures)
      for (const [model, status] of [
        ['canonical', 'passed'],
        ['completion', 'passed'],
        ['broken', 'failed_assertion'],
      ] as const) {
        const run = runs.find((r) => r.model === model && r.task === taskKey(f.task));
        expect(run?.status, `${model} ${f.task.id}: ${JSON.stringify(run)}`).toBe(status);
      }
    expect(scores.models.map((m) => m.passAt['1'])).toEqual([1, 1, 0]);
    expect(scores.models[0]!.byLanguage).toEqual({ python: { tasks: 12, passAt: { '1': 1 } } });
  }, 240_000);
});
