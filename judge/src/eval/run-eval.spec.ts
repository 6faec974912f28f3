import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '@arena/sandboxes';
import { evalCsv, evalSvg, evalTable, scoreEval } from './eval-report.js';
import { passAtK } from './pass-at-k.js';
import { runEval, type EvalExecution, type EvalRunOptions } from './run-eval.js';
import { parseTaskRow } from './task-file.js';

/**
 * The run loop with an executor that judges the program text itself (the sandboxes are covered by the
 * integration tests): a program whose answer returns the right value passes, any other fails its assert.
 */
const tasks = [0, 1, 2].map((i) =>
  parseTaskRow(
    {
      task_id: `HumanEval/${i}`,
      prompt: `def f${i}(x):\n    """Doc."""\n`,
      test: `def check(c):\n    assert c(1) == ${i}\n`,
      entry_point: `f${i}`,
    },
    `t:${i}`,
  ),
);
const ok = (output = ''): EvalExecution => ({
  result: { status: 'ok', durationMs: 3, cpuMs: 2, peakMemoryBytes: 1000, runner: 'docker' } satisfies RunResult,
  output,
});
const failed: EvalExecution = {
  result: { status: 'runtime_error', exitCode: 1, durationMs: 3, runner: 'docker' },
  output: 'AssertionError\n',
};
const execute: EvalRunOptions['execute'] = (program) => {
  const right = /return (\d+)/.exec(program.code)?.[1];
  const expected = /assert c\(1\) == (\d+)/.exec(program.code)?.[1];
  return Promise.resolve(right === expected ? ok() : failed);
};

/** Model `m` answers sample s of task i right when s < passes[i]; the generate calls are counted. */
function models(passes: Record<string, number[]>, calls: string[]): EvalRunOptions['generate'] {
  return (model, _prompt, task, signal) => {
    signal.throwIfAborted();
    const i = Number(task.id.split('/')[1]);
    const seen = calls.filter((c) => c.startsWith(`${model}/${i}/`)).length;
    calls.push(`${model}/${i}/${seen}`);
    return Promise.resolve(`\`\`\`python\ndef f${i}(x):\n    return ${seen < passes[model]![i]! ? i : 99}\n\`\`\``);
  };
}

describe('runEval', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-run-eval-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('scores pass@k per task from the samples’ statuses, equal to the estimator on each task’s counts', async () => {
    const calls: string[] = [];
    const passes = { good: [5, 3, 5], bad: [0, 1, 0] };
    const runs = await runEval({
      tasks,
      models: ['good', 'bad'],
      samples: 5,
      outDir: path.join(dir, 'a'),
      concurrency: 3,
      execute,
      generate: models(passes, calls),
    });
    expect(runs).toHaveLength(30);
    const results = scoreEval(tasks, ['good', 'bad'], runs, [1, 5]);
    const good = results.models[0]!;
    expect(good).toMatchObject({ model: 'good', tasks: 3, samples: 15, statuses: { passed: 13, failed_assertion: 2 } });
    expect(good.passAt['1']).toBeCloseTo((1 + 3 / 5 + 1) / 3, 12);
    expect(good.passAt['5']).toBe(1);
    const bad = results.models[1]!;
    expect(bad.passAt['1']).toBeCloseTo(passAtK(5, 1, 1) / 3, 12);
    expect(bad.byLanguage).toEqual({ python: { tasks: 3, passAt: { '1': bad.passAt['1'], '5': bad.passAt['5'] } } });
    expect(results.tasks.find((t) => t.model === 'good' && t.task === 'HumanEval/0')).toMatchObject({
      samples: 5,
      passed: 5,
      cpuMs: 2,
      peakMemoryBytes: 1000,
    });
    const csv = evalCsv(results, [1, 5]).split('\n');
    expect(csv[0]).toBe(
      'model,language,task,samples,passed,pass@1,pass@5,passed,failed_assertion,compile_error,runtime_error,timeout,memory_limit,output_limit,no_code,generation_error,unsupported,internal_error,cpu_ms,peak_memory_bytes',
    );
    expect(csv[1]).toMatch(/^good,\*,\*,15,13,0\.866667,1\.000000,13,2,/);
    expect(csv).toContain('bad,python,HumanEval/1,5,1,0.200000,1.000000,1,4,0,0,0,0,0,0,0,0,0,2,1000');
    expect(evalSvg(results, [1, 5])).toMatch(/^<svg[^]*pass@1 by language[^]*86\.7%[^]*<\/svg>\n$/);
    expect(evalTable(results, [1, 5])).toMatch(
      /^model\s+tasks\s+samples\s+pass@1\s+pass@5\s+python pass@1\ngood\s+3\s+15\s+86\.7%\s+100\.0%/,
    );
  });

  it('resumes: runs kept are not redone, answers without a run are run without regenerating, a cut line is dropped', async () => {
    const out = path.join(dir, 'b');
    const calls: string[] = [];
    const passes = { m: [2, 2, 2] };
    const stop = new AbortController();
    let executed = 0;
    await runEval({
      tasks,
      models: ['m'],
      samples: 2,
      outDir: out,
      concurrency: 1,
      signal: stop.signal,
      generate: models(passes, calls),
      execute: async (p, s) => {
        if (++executed === 3) stop.abort();
        return execute(p, s);
      },
    });
    const runsFile = path.join(out, 'runs.jsonl');
    const before = (await readFile(runsFile, 'utf8')).split('\n').filter(Boolean);
    expect(before).toHaveLength(2);
    // A process killed mid-write leaves half a line behind.
    await appendFile(runsFile, before[0]!.slice(0, 20));
    const generatedBefore = calls.length;
    expect(generatedBefore).toBe(3);
    const runs = await runEval({
      tasks,
      models: ['m'],
      samples: 2,
      outDir: out,
      concurrency: 2,
      generate: models(passes, calls),
      execute,
    });
    expect(runs).toHaveLength(6);
    // The third answer was generated but not run: it is run now, not asked for again.
    expect(calls.length - generatedBefore).toBe(3);
    const after = (await readFile(runsFile, 'utf8')).split('\n').filter(Boolean);
    expect(after.slice(0, 2)).toEqual(before);
    expect(after).toHaveLength(6);
    const keys = after.map((l) => {
      const r = JSON.parse(l) as { task: string; sample: number };
      return `${r.task}/${r.sample}`;
    });
    expect(new Set(keys).size).toBe(6);
    expect(scoreEval(tasks, ['m'], runs, [1]).models[0]!.passAt['1']).toBe(1);
  });

  it('records a provider failure and an answer without code as failed samples', async () => {
    const runs = await runEval({
      tasks: tasks.slice(0, 1),
      models: ['down', 'chatty'],
      samples: 1,
      outDir: path.join(dir, 'c'),
      execute,
      generate: (model) =>
        model === 'down' ? Promise.reject(new Error('HTTP 503')) : Promise.resolve('```bash\necho hi\n```'),
    });
    // Both run at once: the order they end in is theirs.
    expect(runs.map((r) => [r.model, r.status, r.output]).sort()).toEqual([
      ['chatty', 'no_code', undefined],
      ['down', 'generation_error', 'HTTP 503'],
    ]);
  });
});
