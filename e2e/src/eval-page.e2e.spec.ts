import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, startArenaProcess, type Proc } from '@arena/testkit';
import { ARTIFACTS, axeViolations, launchChromium, openPage } from './browser.js';

/**
 * The Evals page (`/eval/`): the stored results of `arena eval --store` (two task sets, four models, every
 * status) as the page shows them at a laptop's, a projector's and a phone's size, in the light and the dark
 * theme; a model evaluated afterwards appears beside the others on the same set. The rows are written as
 * `arena eval --store` writes them (its path from the CLI to the API is tested in backend/test/eval-store).
 */
const SIZES = {
  '1440': { width: 1440, height: 900 },
  '1600': { width: 1600, height: 900 },
  '390': { width: 390, height: 844 },
};
const THEMES = ['light', 'dark'] as const;

interface Sample {
  task: string;
  language: string;
  status: string;
}

/** One model's run on a set, and its sample results (`samples` per task; `passing(task, sample)` decides). */
async function storeRun(
  client: pg.Client,
  set: { id: string; name: string; languages: Record<string, number> },
  model: { id: string; name: string },
  samples: Sample[],
): Promise<void> {
  const runId = randomUUID();
  await client.query(
    `INSERT INTO eval_runs (id, task_set_id, task_set_name, task_set_hash, model, model_name, samples, ks, languages, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, 3, '[1, 2]', $7, now(), now())`,
    [runId, set.id, set.name, 'a'.repeat(64), model.id, model.name, JSON.stringify(set.languages)],
  );
  const counts = new Map<string, number>();
  for (const s of samples) {
    const sample = counts.get(s.task) ?? 0;
    counts.set(s.task, sample + 1);
    await client.query(
      `INSERT INTO eval_results (id, run_id, task_set_id, model, task_id, language, sample, status, cpu_ms, peak_memory_bytes, duration_ms, code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        randomUUID(),
        runId,
        set.id,
        model.id,
        s.task,
        s.language,
        sample,
        s.status,
        s.status === 'passed' ? 40 + sample * 7 : null,
        s.status === 'passed' ? 20_000_000 + sample * 1_000_000 : null,
        120,
        'def f():\n    return 1\n',
      ],
    );
  }
}

/** Three samples of each task: the statuses a model's answers ended with, in task order. */
const samplesOf = (tasks: { task: string; language: string }[], statuses: string[][]): Sample[] =>
  tasks.flatMap((t, i) => statuses[i % statuses.length]!.map((status) => ({ ...t, status })));

describe('the Evals page', () => {
  let arena: Proc;
  let browser: Browser;
  let database: { url: string; drop: () => Promise<void> };
  let client: pg.Client;
  const errors: string[] = [];
  const multi = {
    id: 'humaneval-x-mini@0123456789ab',
    name: 'humaneval-x-mini',
    languages: { cpp: 2, go: 2, python: 2, rust: 2 },
  };
  const multiTasks = [
    { task: 'CPP/0', language: 'cpp' },
    { task: 'CPP/3', language: 'cpp' },
    { task: 'Go/0', language: 'go' },
    { task: 'Go/3', language: 'go' },
    { task: 'HumanEval/0', language: 'python' },
    { task: 'HumanEval/1', language: 'python' },
    { task: 'Rust/0', language: 'rust' },
    { task: 'Rust/3', language: 'rust' },
  ];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    database = await freshPostgresDatabase('eval_e2e');
    arena = await startArenaProcess(
      [
        { id: 'demo-atlas', name: 'Demo Atlas (scripted, TypeScript)', provider: 'demo', style: 'typescript' },
        { id: 'demo-breeze', name: 'Demo Breeze (scripted, JavaScript)', provider: 'demo', style: 'javascript' },
      ],
      { DATABASE_URL: database.url, ARENA_PYODIDE: 'off' },
    );
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await storeRun(
      client,
      multi,
      { id: 'qwen2.5-coder-7b', name: 'Qwen2.5-Coder 7B Instruct' },
      samplesOf(multiTasks, [
        ['passed', 'passed', 'passed'],
        ['passed', 'failed_assertion', 'passed'],
      ]),
    );
    await storeRun(
      client,
      multi,
      { id: 'deepseek-coder-6.7b', name: 'DeepSeek-Coder 6.7B Instruct' },
      samplesOf(multiTasks, [
        ['passed', 'compile_error', 'failed_assertion'],
        ['runtime_error', 'passed', 'timeout'],
      ]),
    );
    await storeRun(
      client,
      multi,
      { id: 'tiny-starcoder', name: 'tiny-starcoder' },
      samplesOf(multiTasks, [
        ['no_code', 'memory_limit', 'failed_assertion'],
        ['compile_error', 'runtime_error', 'passed'],
      ]),
    );
    const python = { id: 'HumanEval@fedcba987654', name: 'HumanEval', languages: { python: 3 } };
    await storeRun(
      client,
      python,
      { id: 'qwen2.5-coder-7b', name: 'Qwen2.5-Coder 7B Instruct' },
      samplesOf(
        ['HumanEval/0', 'HumanEval/1', 'HumanEval/2'].map((task) => ({ task, language: 'python' })),
        [['passed', 'passed', 'failed_assertion']],
      ),
    );
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await client?.end();
    await arena?.stop();
    await database?.drop();
  });

  for (const [size, viewport] of Object.entries(SIZES))
    for (const colorScheme of THEMES)
      it(`shows each task set's models with pass@k, by language, statuses and measures; axe-clean (${size}, ${colorScheme})`, async () => {
        const page = await openPage(browser, errors, `eval-${size}-${colorScheme}`, viewport, { colorScheme });
        await page.goto(`${arena.url}/eval/`);
        await page.getByTestId('eval-row').first().waitFor();
        const sets = page.getByTestId('eval-set');
        expect(await sets.count()).toBe(2);
        const first = sets.filter({ hasText: 'humaneval-x-mini' });
        const rows = first.getByTestId('eval-row');
        expect(await rows.count()).toBe(3);
        // Best pass@1 first: 5 of 6 samples per pair of tasks pass (83.3%), then 2 of 6, then 1 of 6.
        const qwen = rows.nth(0);
        expect(await qwen.textContent()).toContain('Qwen2.5-Coder 7B Instruct');
        expect(await qwen.locator('td').nth(2).textContent()).toBe('83.3%');
        expect(await qwen.locator('td').nth(3).textContent()).toBe('100.0%');
        expect(await rows.nth(1).textContent()).toContain('DeepSeek-Coder 6.7B Instruct');
        expect(await rows.nth(1).textContent()).toContain('compile error 4 · runtime error 4 · timeout 4');
        expect(await rows.nth(2).textContent()).toContain('no code 4');
        // Median CPU time and peak memory of the passing runs.
        expect(await qwen.textContent()).toMatch(/\d+ ms/);
        expect(await qwen.textContent()).toMatch(/\d+\.\d MiB/);
        const header = await first.locator('thead').textContent();
        for (const column of ['pass@1', 'pass@2', 'C++ pass@1', 'Go pass@1', 'Python pass@1', 'Rust pass@1'])
          expect(header).toContain(column);
        expect(await page.getByRole('link', { name: 'Evals' }).getAttribute('aria-current')).toBe('page');
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: path.join(ARTIFACTS, `eval-${size}-${colorScheme}.png`), fullPage: true });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        expect(await axeViolations(page)).toEqual([]);
        await page.context().close();
        expect(errors).toEqual([]);
      });

  it('a model evaluated on the same set afterwards appears beside the others', async () => {
    const page = await openPage(browser, errors, 'eval-newcomer', SIZES['1440']);
    await page.goto(`${arena.url}/eval/`);
    const set = page.getByTestId('eval-set').filter({ hasText: 'humaneval-x-mini' });
    await set.getByTestId('eval-row').first().waitFor();
    expect(await set.getByTestId('eval-row').count()).toBe(3);
    await storeRun(
      client,
      multi,
      { id: 'newcomer-1b', name: 'The Newcomer 1B' },
      samplesOf(multiTasks, [['passed', 'passed', 'failed_assertion']]),
    );
    await page.reload();
    await set.getByTestId('eval-row').nth(3).waitFor();
    const names = await set
      .getByTestId('eval-row')
      .evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.firstChild?.textContent));
    expect(names).toEqual([
      'Qwen2.5-Coder 7B Instruct',
      'The Newcomer 1B',
      'DeepSeek-Coder 6.7B Instruct',
      'tiny-starcoder',
    ]);
    await page.context().close();
    expect(errors).toEqual([]);
  });
});
