import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { EvalTaskSet, EvalTaskSetDetail } from '@arena/contracts';
import { readTaskFile, type EvalTask } from '@arena/judge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import { getJson, REPO_ROOT, startTestArena, type TestArena } from './support/test-arena.js';

/**
 * `arena eval --store` into the arena's PostgreSQL, read back through `GET /api/eval` and the `eval` data set,
 * and a model added through the admin API evaluated by one command and shown beside the others. The answers
 * come from an OpenAI-protocol server; the programs run in the real sandboxes (plain JavaScript: isolated-vm).
 */
const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
const TASKS = path.join(REPO_ROOT, 'judge/test/eval/tasks/javascript.humaneval-x.jsonl');
const TOKEN = 'eval-admin-token-5c1d9e7a3b';
const SAMPLES = 3;
const LIMIT = 2;

function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** C(n, k) exactly. */
function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let out = 1n;
  for (let i = 1; i <= k; i++) out = (out * BigInt(n - k + i)) / BigInt(i);
  return out;
}
/** pass@k from its definition, 1 − C(n−c, k)/C(n, k). */
const exactPassAtK = (n: number, c: number, k: number): number =>
  1 - Number((binomial(n - c, k) * 10n ** 18n) / binomial(n, k)) / 1e18;

/** A file read back by DuckDB (its own JSON, CSV and Parquet readers), not by the arena's code. */
async function readWithDuckDb(file: string, reader: 'read_json_auto' | 'read_csv_auto' | 'read_parquet') {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const result = await connection.runAndReadAll(
    `SELECT * FROM ${reader}('${file.replaceAll("'", "''")}') ORDER BY model, task_id, sample`,
  );
  const rows = result.getRowObjectsJS() as Record<string, unknown>[];
  connection.closeSync();
  instance.closeSync();
  return rows;
}

interface DatasetRow {
  task_set: string;
  task_id: string;
  language: string;
  model: string;
  sample: number;
  status: string;
  passed: boolean;
  cpu_ms: number | null;
  peak_memory_bytes: number | null;
  code: string | null;
  tstamp: number;
}

describe('arena eval --store: results in PostgreSQL, GET /api/eval, the eval data set, a model submitted through the admin API', () => {
  let arena: TestArena;
  let fake: FakeLlm;
  let dir: string;
  let tasks: EvalTask[];
  let env: NodeJS.ProcessEnv;
  const broken = new Map<string, string>();

  const taskOf = (messages: { content: string }[]): EvalTask => {
    const text = messages.map((m) => m.content).join('\n');
    const task = tasks.find((t) => text.includes(t.prompt.trim()));
    if (!task) throw new Error(`no task in ${text.slice(0, 200)}`);
    return task;
  };
  const answer = (task: EvalTask, body: string): string =>
    `Here it is.\n\n\`\`\`javascript\n${task.prompt}${body}\n\`\`\`\n`;
  const args = (out: string, ...more: string[]): string[] => [
    'eval',
    '--tasks',
    TASKS,
    '--samples',
    String(SAMPLES),
    '--k',
    '1,2',
    '--limit',
    String(LIMIT),
    '--concurrency',
    '2',
    '--store',
    '--out',
    path.join(dir, out),
    ...more,
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-eval-store-'));
    tasks = (await readTaskFile(TASKS)).slice(0, LIMIT);
    for (const row of (await readFile(TASKS, 'utf8')).split('\n').filter(Boolean)) {
      const r = JSON.parse(row) as { task_id: string; broken_solution: string };
      broken.set(r.task_id, r.broken_solution);
    }
    const served = new Map<string, number>();
    fake = await startFakeLlm({
      canonical: { kind: 'reply', reply: (m) => answer(taskOf(m), taskOf(m).canonicalSolution!) },
      broken: { kind: 'reply', reply: (m) => answer(taskOf(m), broken.get(taskOf(m).id)!) },
      // Right on the second and third answer to each task, wrong on the first: c = 2 of n = 3.
      mixed: {
        kind: 'reply',
        reply: (m) => {
          const task = taskOf(m);
          const n = served.get(task.id) ?? 0;
          served.set(task.id, n + 1);
          return answer(task, n === 0 ? broken.get(task.id)! : task.canonicalSolution!);
        },
      },
    });
    arena = await startTestArena({
      database: 'postgres',
      env: { ARENA_ADMIN_TOKEN: TOKEN, ARENA_LEADERBOARD_BOOTSTRAP: '0' },
    });
    const models = ['canonical', 'broken'].map((id) => ({
      id,
      name: `Model ${id}`,
      provider: 'openai',
      model: id,
      baseUrl: fake.openaiUrl,
    }));
    await writeFile(path.join(dir, 'models.json'), JSON.stringify(models));
    env = {
      ...process.env,
      LOG_LEVEL: 'error',
      DATABASE_URL: arena.databaseUrl!,
      ARENA_DATA_DIR: dir,
      ARENA_RUN_CPU_MS: '2000',
      ARENA_RUN_WALL_MS: '60000',
    };
  }, 120_000);
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  let taskSetId: string;

  it('stores two models’ runs and serves them per task set: pass@k per k and language, statuses, measures', async () => {
    const run = await runCli(args('file-models', '--models', path.join(dir, 'models.json')), env);
    expect(run.status, run.stderr).toBe(0);
    const { status, body } = await getJson<EvalTaskSet[]>(`${arena.url}/api/eval`);
    expect(status).toBe(200);
    expect(body).toHaveLength(1);
    const set = body[0]!;
    taskSetId = set.id;
    expect(set).toMatchObject({ name: 'javascript.humaneval-x', tasks: LIMIT, languages: { javascript: LIMIT } });
    expect(set.id).toMatch(/^javascript\.humaneval-x@[0-9a-f]{12}$/);
    expect(set.ks).toEqual([1, 2]);
    expect(set.models.map((m) => m.model)).toEqual(['canonical', 'broken']);
    const [canonical, wrong] = set.models;
    expect(canonical).toMatchObject({
      name: 'Model canonical',
      tasks: LIMIT,
      samples: LIMIT * SAMPLES,
      passed: LIMIT * SAMPLES,
      passAt: { '1': 1, '2': 1 },
      statuses: { passed: LIMIT * SAMPLES },
      byLanguage: { javascript: { tasks: LIMIT, passAt: { '1': 1, '2': 1 } } },
    });
    expect(canonical!.finishedAt).not.toBeNull();
    expect(canonical!.cpuMs).toBeGreaterThanOrEqual(0);
    // JavaScript/0's broken answer fails its asserts; JavaScript/3's throws.
    expect(wrong).toMatchObject({
      passAt: { '1': 0, '2': 0 },
      passed: 0,
      statuses: { failed_assertion: SAMPLES, runtime_error: SAMPLES },
      cpuMs: null,
      peakMemoryBytes: null,
    });

    const detail = await getJson<EvalTaskSetDetail>(`${arena.url}/api/eval/${encodeURIComponent(taskSetId)}`);
    expect(detail.status).toBe(200);
    expect(detail.body.taskRows).toHaveLength(2 * LIMIT);
    expect(detail.body.taskRows.find((r) => r.model === 'broken' && r.task === 'JavaScript/3')).toMatchObject({
      samples: SAMPLES,
      passed: 0,
      statuses: { runtime_error: SAMPLES },
    });
    expect((await getJson(`${arena.url}/api/eval/nothing@000000000000`)).status).toBe(404);
    expect((await getJson(`${arena.url}/api/eval/not%20an%20id`)).status).toBe(400);
  }, 300_000);

  it('a model added through the admin API is evaluated by one command and stands beside the others', async () => {
    const added = await fetch(`${arena.url}/api/admin/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'newcomer',
        name: 'The Newcomer',
        provider: 'openai',
        model: 'mixed',
        baseUrl: fake.openaiUrl,
      }),
    });
    expect(added.status, await added.clone().text()).toBe(201);
    const run = await runCli(args('newcomer', '--models-from-db', '--model', 'newcomer'), env);
    expect(run.status, run.stderr).toBe(0);
    // The table shows the models stored earlier on the same task set, and the newcomer among them.
    expect(run.stdout).toMatch(/^model\s+tasks\s+samples\s+pass@1\s+pass@2\s+javascript pass@1\n/);
    expect(run.stdout).toMatch(
      /\ncanonical\s+2\s+6\s+100\.0%\s+100\.0%\s+100\.0%\nnewcomer\s+2\s+6\s+66\.7%\s+100\.0%\s+66\.7%\nbroken\s+2\s+6\s+0\.0%/,
    );

    const { body } = await getJson<EvalTaskSet[]>(`${arena.url}/api/eval`);
    expect(body).toHaveLength(1);
    expect(body[0]!.models.map((m) => [m.model, m.name])).toEqual([
      ['canonical', 'Model canonical'],
      ['newcomer', 'The Newcomer'],
      ['broken', 'Model broken'],
    ]);
    // pass@k as the estimator gives it, computed here from the newcomer's stored samples (c = 2 of 3 per task).
    const newcomer = body[0]!.models[1]!;
    expect(newcomer.passAt['1']).toBeCloseTo(exactPassAtK(3, 2, 1), 12);
    expect(newcomer.passAt['2']).toBeCloseTo(exactPassAtK(3, 2, 2), 12);

    const refused = await runCli(args('x', '--models-from-db', '--model', 'nobody'), env);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--model nobody is not in the database \(.*newcomer/);
  }, 300_000);

  it('exports one row per sample run as JSONL, CSV and Parquet, read back by DuckDB; storing again duplicates nothing', async () => {
    const rows: Record<string, DatasetRow[]> = {};
    const readers = { jsonl: 'read_json_auto', csv: 'read_csv_auto', parquet: 'read_parquet' } as const;
    for (const [format, reader] of Object.entries(readers)) {
      const response = await fetch(`${arena.url}/api/datasets/eval.${format}`);
      expect(response.status, format).toBe(200);
      const file = path.join(dir, `eval.${format}`);
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      rows[format] = (await readWithDuckDb(file, reader)) as unknown as DatasetRow[];
    }
    const jsonl = rows['jsonl']!;
    expect(jsonl).toHaveLength(3 * LIMIT * SAMPLES);
    for (const format of ['csv', 'parquet'])
      expect(
        rows[format]!.map((r) => [r.model, r.task_id, Number(r.sample), r.status, r.passed]),
        format,
      ).toEqual(jsonl.map((r) => [r.model, r.task_id, Number(r.sample), r.status, r.passed]));
    expect(new Set(jsonl.map((r) => r.task_set))).toEqual(new Set([taskSetId]));
    for (const r of jsonl) {
      expect(r.passed).toBe(r.status === 'passed');
      expect(r.language).toBe('javascript');
      expect(r.code).toContain(r.task_id === 'JavaScript/0' ? 'hasCloseElements' : 'belowZero');
    }
    // pass@k recomputed from the data set's rows alone equals the API's.
    const { body } = await getJson<EvalTaskSet[]>(`${arena.url}/api/eval`);
    for (const model of body[0]!.models)
      for (const k of [1, 2]) {
        const perTask = [...new Set(jsonl.map((r) => r.task_id))].map((task) => {
          const mine = jsonl.filter((r) => r.model === model.model && r.task_id === task);
          return exactPassAtK(mine.length, mine.filter((r) => r.passed).length, k);
        });
        expect(model.passAt[String(k)], `${model.model} pass@${k}`).toBeCloseTo(
          perTask.reduce((s, v) => s + v) / perTask.length,
          12,
        );
      }
    const filtered = await (await fetch(`${arena.url}/api/datasets/eval.jsonl?environment=python`)).text();
    expect(filtered).toBe('');
    const card = await (await fetch(`${arena.url}/api/datasets/eval/README.md`)).text();
    expect(card).toContain('arena eval --store');
    expect(card).toContain('| `peak_memory_bytes` | integer, nullable |');

    // The same command again: its samples are in its folder, nothing is regenerated, the rows are replaced.
    const requests = fake.requests.length;
    const again = await runCli(args('file-models', '--models', path.join(dir, 'models.json')), env);
    expect(again.status, again.stderr).toBe(0);
    expect(fake.requests.length).toBe(requests);
    const after = (await (await fetch(`${arena.url}/api/datasets/eval.jsonl`)).text()).trim().split('\n');
    expect(after).toHaveLength(3 * LIMIT * SAMPLES);
    const summary = await getJson<{ name: string; rows: number }[]>(`${arena.url}/api/datasets`);
    expect(summary.body.find((d) => d.name === 'eval')?.rows).toBe(3 * LIMIT * SAMPLES);
  }, 300_000);
});
