import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskFile, type EvalTask } from '@arena/judge';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import { REPO_ROOT, sharedData } from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
const SUITE = 'arena eval on HumanEval and HumanEval-X tasks, answers from an OpenAI-protocol server';
const shared = sharedData(SUITE, ['humaneval']);
const HUMANEVAL = path.join(shared.dir, 'humaneval/HumanEval.jsonl.gz');
const JAVASCRIPT = path.join(REPO_ROOT, 'judge/test/eval/tasks/javascript.humaneval-x.jsonl');
const LIMIT = 9;
const SAMPLES = 3;

/** C(n, k) exactly. */
function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let out = 1n;
  for (let i = 1; i <= k; i++) out = (out * BigInt(n - k + i)) / BigInt(i);
  return out;
}
/** pass@k from its definition, 1 − C(n−c, k)/C(n, k), in exact integers until the last division. */
const exactPassAtK = (n: number, c: number, k: number): number =>
  1 - Number((binomial(n - c, k) * 10n ** 18n) / binomial(n, k)) / 1e18;

/**
 * The command, run to its end without blocking this process (whose fake model server must keep answering;
 * spawnSync would stall it).
 */
function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const lines = async (file: string): Promise<string[]> =>
  existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean) : [];
const parsed = <T>(rows: string[]): T[] =>
  rows.flatMap((l) => {
    try {
      return [JSON.parse(l) as T];
    } catch {
      return [];
    }
  });

describe.skipIf(shared.missing)(SUITE, () => {
  let dir: string;
  let fake: FakeLlm;
  let tasks: EvalTask[];
  const wrong = new Map<string, string>();
  const env = { ...process.env, LOG_LEVEL: 'error', ARENA_RUN_CPU_MS: '2000', ARENA_RUN_WALL_MS: '60000' };

  /** The task whose prompt the chat turn shows. */
  const taskOf = (messages: { content: string }[]): EvalTask => {
    const text = messages.map((m) => m.content).join('\n');
    const task = tasks.find((t) => text.includes(t.prompt.trim()));
    if (!task) throw new Error(`no task in ${text.slice(0, 200)}`);
    return task;
  };
  const answer = (task: EvalTask, body: string): string =>
    `Sure.\n\n\`\`\`${task.language}\n${task.prompt}${body}\n\`\`\`\n`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-eval-cli-'));
    // The tasks as the command takes them (--limit 9 round-robin: six HumanEval tasks, three JavaScript ones).
    const python = (await readTaskFile(HUMANEVAL)).slice(0, 6);
    const js = await readTaskFile(JAVASCRIPT);
    tasks = [...python, ...js];
    for (const row of (await readFile(JAVASCRIPT, 'utf8')).split('\n').filter(Boolean)) {
      const r = JSON.parse(row) as { task_id: string; broken_solution: string };
      wrong.set(r.task_id, r.broken_solution);
    }
    // HumanEval has no broken solutions: the canonical one negated, plus one, or one longer, so its check fails.
    const brokenOf = (task: EvalTask): string =>
      wrong.get(task.id) ??
      `${task.canonicalSolution!}\n\n_right = ${task.entryPoint}\n\ndef ${task.entryPoint}(*a):\n    v = _right(*a)\n    return (not v) if isinstance(v, bool) else v + (1 if isinstance(v, (int, float)) else v[:1] or [0])\n`;
    const served = new Map<string, number>();
    fake = await startFakeLlm({
      canonical: { kind: 'reply', reply: (m) => answer(taskOf(m), taskOf(m).canonicalSolution!) },
      broken: { kind: 'reply', reply: (m) => answer(taskOf(m), brokenOf(taskOf(m))) },
      // Right on some samples of each task, wrong on the others.
      mixed: {
        kind: 'reply',
        reply: (m) => {
          const task = taskOf(m);
          const n = served.get(task.id) ?? tasks.indexOf(task);
          served.set(task.id, n + 1);
          return answer(task, n % 3 === 0 ? brokenOf(task) : task.canonicalSolution!);
        },
      },
    });
    const models = ['canonical', 'broken', 'mixed'].map((id) => ({
      id,
      name: id,
      provider: 'openai',
      model: id,
      baseUrl: fake.openaiUrl,
    }));
    await writeFile(path.join(dir, 'models.json'), JSON.stringify(models));
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const args = (out: string, ...more: string[]): string[] => [
    CLI,
    'eval',
    '--tasks',
    HUMANEVAL,
    JAVASCRIPT,
    '--models',
    path.join(dir, 'models.json'),
    '--samples',
    String(SAMPLES),
    '--k',
    '1,2',
    '--limit',
    String(LIMIT),
    '--out',
    out,
    '--concurrency',
    '2',
    ...more,
  ];

  it('is killed mid-run, resumes without redoing or duplicating, and its pass@k is the estimator’s', async () => {
    const out = path.join(dir, 'out');
    const runsFile = path.join(out, 'runs.jsonl');
    const samplesFile = path.join(out, 'samples.jsonl');
    const total = LIMIT * 3 * SAMPLES;
    const first = spawn(process.execPath, args(out), { env, stdio: 'ignore' });
    for (let i = 0; i < 2_400 && (await lines(runsFile)).length < 25; i++) await new Promise((r) => setTimeout(r, 25));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const runsBefore = parsed<unknown>(await lines(runsFile)).map((r) => JSON.stringify(r));
    const samplesBefore = parsed<unknown>(await lines(samplesFile)).map((r) => JSON.stringify(r));
    expect(runsBefore.length).toBeGreaterThanOrEqual(25);
    expect(runsBefore.length).toBeLessThan(total);
    const requestsBefore = fake.requests.length;

    const second = await runCli(args(out, '--format', 'json'), env, 400_000);
    expect(second.status, second.stderr).toBe(0);
    const runs = parsed<{ model: string; task: string; sample: number; status: string }>(await lines(runsFile));
    const samples = parsed<{ model: string; task: string; sample: number; text: string }>(await lines(samplesFile));
    // What the first run finished is still there, first, and nothing is there twice.
    expect(runs.slice(0, runsBefore.length).map((r) => JSON.stringify(r))).toEqual(runsBefore);
    expect(samples.slice(0, samplesBefore.length).map((r) => JSON.stringify(r))).toEqual(samplesBefore);
    const key = (r: { model: string; task: string; sample: number }): string => `${r.model}/${r.task}/${r.sample}`;
    expect(new Set(runs.map(key)).size).toBe(total);
    expect(runs).toHaveLength(total);
    expect(new Set(samples.map(key)).size).toBe(total);
    expect(samples).toHaveLength(total);
    // Only the samples the first run had not generated were asked for.
    expect(fake.requests.length - requestsBefore).toBe(total - samplesBefore.length);

    // Every canonical solution passes, every broken one fails (JavaScript's three ways, HumanEval's by assert).
    for (const r of runs.filter((r) => r.model === 'canonical')) expect(r.status, key(r)).toBe('passed');
    const brokenStatuses = new Map(runs.filter((r) => r.model === 'broken').map((r) => [r.task, r.status]));
    expect(Object.fromEntries(brokenStatuses)).toEqual({
      ...Object.fromEntries(tasks.slice(0, 6).map((t) => [`python:${t.id}`, 'failed_assertion'])),
      'javascript:JavaScript/0': 'failed_assertion',
      'javascript:JavaScript/3': 'runtime_error',
      'javascript:JavaScript/60': 'timeout',
    });

    // pass@k from the samples' own answers: c = how many of a task's samples were the canonical solution.
    const report = JSON.parse(second.stdout) as {
      models: {
        model: string;
        tasks: number;
        samples: number;
        passAt: Record<string, number>;
        byLanguage: Record<string, { tasks: number; passAt: Record<string, number> }>;
        statuses: Record<string, number>;
      }[];
    };
    expect(report.models.map((m) => m.model)).toEqual(['canonical', 'broken', 'mixed']);
    for (const m of report.models) {
      const counts = tasks.map((t) => {
        const mine = samples.filter((s) => s.model === m.model && s.task === `${t.language}:${t.id}`);
        const right = mine.filter((s) => s.text === answer(t, t.canonicalSolution!)).length;
        return { language: t.language, n: mine.length, c: right };
      });
      expect(m).toMatchObject({ tasks: LIMIT, samples: LIMIT * SAMPLES });
      for (const k of [1, 2]) {
        const mean = (rows: typeof counts): number =>
          rows.reduce((s, r) => s + exactPassAtK(r.n, r.c, k), 0) / rows.length;
        expect(m.passAt[String(k)], `${m.model} pass@${k}`).toBeCloseTo(mean(counts), 12);
        for (const language of ['python', 'javascript'])
          expect(m.byLanguage[language]!.passAt[String(k)]).toBeCloseTo(
            mean(counts.filter((r) => r.language === language)),
            12,
          );
      }
      expect(m.statuses['passed'] ?? 0).toBe(counts.reduce((s, r) => s + r.c, 0));
    }
    const mixed = report.models[2]!;
    expect(mixed.passAt['1']).toBeGreaterThan(0);
    expect(mixed.passAt['1']).toBeLessThan(1);
    expect(await readFile(path.join(out, 'results.csv'), 'utf8')).toMatch(
      /^model,language,task,samples,passed,pass@1,pass@2,passed,failed_assertion,/,
    );
    expect(await readFile(path.join(out, 'chart.svg'), 'utf8')).toContain('<svg');
  }, 600_000);

  it('shows a model evaluated in the same folder beside the earlier ones, and its table', async () => {
    const out = path.join(dir, 'board');
    const one = await runCli(
      args(out, '--model', 'canonical', '--limit', '2', '--samples', '2', '--k', '1'),
      env,
      120_000,
    );
    expect(one.status, one.stderr).toBe(0);
    const two = await runCli(
      args(out, '--model', 'broken', '--limit', '2', '--samples', '2', '--k', '1'),
      env,
      120_000,
    );
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/^model\s+tasks\s+samples\s+pass@1\s+javascript pass@1\s+python pass@1\n/);
    expect(two.stdout).toMatch(/\ncanonical\s+2\s+4\s+100\.0%\s+100\.0%\s+100\.0%\nbroken\s+2\s+4\s+0\.0%/);
  }, 240_000);

  it('refuses bad input with a one-line reason', async () => {
    const bad = (extra: string[]) => runCli([...args(path.join(dir, 'x')), ...extra], env, 60_000);
    const k = await bad(['--k', '5']);
    expect(k.status).toBe(2);
    expect(k.stderr).toMatch(/--k 5 needs --samples 5 or more/);
    const model = await bad(['--model', 'nobody']);
    expect(model.status).toBe(2);
    expect(model.stderr).toMatch(/--model nobody is not in/);
    const file = await runCli([CLI, 'eval', '--tasks', path.join(dir, 'none.jsonl'), '--models', 'm'], env, 60_000);
    expect(file.status).toBe(2);
    expect(file.stderr).toMatch(/cannot read .*none\.jsonl: ENOENT/);
  });
});
