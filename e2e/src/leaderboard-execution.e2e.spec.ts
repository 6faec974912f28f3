import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, REPO_ROOT, startArenaProcess, type Proc } from '@arena/testkit';
import { ARTIFACTS, axeViolations, launchChromium, openPage } from './browser.js';

/**
 * The leaderboard's execution control and vote-integrity toggles and the model page: battles are imported,
 * each side given stored code and a stored run (the winner's code ran more often), then the page is opened at
 * a laptop's, a projector's and a phone's size, light and dark.
 */
const SIZES = {
  desktop: { width: 1440, height: 900 },
  projector: { width: 1600, height: 900 },
  phone: { width: 390, height: 844 },
};
const THEMES = ['light', 'dark'] as const;
const MODELS = ['demo-atlas', 'demo-sloppy', 'imported-gamma'];

function battleRows(count: number): string {
  return Array.from({ length: count }, (_, i) => {
    const a = i % 3;
    const b = (a + 1 + (i % 2)) % 3;
    return JSON.stringify({
      question_id: `q${i}`,
      model_a: MODELS[a],
      model_b: MODELS[b],
      winner: i % 11 === 0 ? 'tie' : (i * 7919) % 13 < 6 + a ? 'model_a' : 'model_b',
      anony: true,
      tstamp: 1_790_000_000 + i,
      judge: `voter-${i % 17}`,
      conversation_a: [
        { role: 'user', content: i % 10 === 0 ? 'write hello world' : `task ${i}` },
        { role: 'assistant', content: `answer ${i} a` },
      ],
      conversation_b: [
        { role: 'user', content: i % 10 === 0 ? 'write hello world' : `task ${i}` },
        { role: 'assistant', content: `answer ${i} b` },
      ],
    });
  }).join('\n');
}

/**
 * Code and its run for every imported answer, as the battle runner stores them: the winner's code ran ok
 * four times in five, the loser's one time in three; the rest failed one way or another.
 */
async function addRuns(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      WITH s AS (
        SELECT b.id AS battle_id, x.side, abs(hashtext(b.id::text || x.side)) AS h,
               (b.winner = 'model_' || x.side) AS won
          FROM battles b CROSS JOIN (VALUES ('a'), ('b')) AS x(side)
      )
      INSERT INTO code_extractions (id, battle_id, turn, side, environment, language, code, install_command, block_count)
      SELECT gen_random_uuid(), battle_id, 0, side,
             (ARRAY['python', 'javascript', 'html'])[1 + h % 3], (ARRAY['python', 'javascript', 'html'])[1 + h % 3],
             'print(1)', CASE WHEN h % 5 = 0 THEN 'pip install numpy' END, 1
        FROM s WHERE h % 10 <> 0`);
    await client.query(`
      INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, origin, status, cpu_ms,
                              peak_memory_bytes, preview, created_at, finished_at)
      SELECT gen_random_uuid(), c.battle_id, 0, c.side, c.environment, 'docker', c.code, 'answer',
             CASE WHEN (b.winner = 'model_' || c.side AND abs(hashtext(c.id::text)) % 5 < 4)
                    OR (b.winner <> 'model_' || c.side AND abs(hashtext(c.id::text)) % 3 = 0) THEN 'ok'
                  ELSE (ARRAY['compile_error', 'runtime_error', 'timeout', 'memory_limit'])[1 + abs(hashtext(c.id::text || 'x')) % 4]
             END,
             20 + abs(hashtext(c.id::text || 'cpu')) % 900, 2000000 + abs(hashtext(c.id::text || 'mem')) % 60000000,
             CASE WHEN c.environment = 'html' THEN '<p>hi</p>' END, now(), now()
        FROM code_extractions c JOIN battles b ON b.id = c.battle_id`);
    // Some answers re-run from the page, some with edited code.
    await client.query(`
      INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, origin, status, cpu_ms, created_at, finished_at)
      SELECT gen_random_uuid(), e.battle_id, 0, e.side, e.environment, 'docker',
             CASE WHEN abs(hashtext(e.id::text)) % 2 = 0 THEN e.code || ' # edited' ELSE e.code END, 'rerun',
             CASE WHEN abs(hashtext(e.id::text || 'r')) % 3 = 0 THEN 'runtime_error' ELSE 'ok' END, 15,
             now() + interval '1 second', now()
        FROM executions e WHERE e.origin = 'answer' AND abs(hashtext(e.id::text || 'rerun')) % 4 = 0`);
  } finally {
    await client.end();
  }
}

describe('leaderboard: execution control, vote integrity, model pages', () => {
  let arena: Proc;
  let browser: Browser;
  let database: { url: string; drop: () => Promise<void> };
  let dir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-exec-e2e-'));
    database = await freshPostgresDatabase('exec_e2e');
    const file = path.join(dir, 'battles.jsonl');
    await writeFile(file, battleRows(400));
    const imported = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'backend/dist/cli/arena.js'), 'import', '--battles', file],
      { env: { ...process.env, LOG_LEVEL: 'error', DATABASE_URL: database.url }, encoding: 'utf8' },
    );
    if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
    await addRuns(database.url);
    arena = await startArenaProcess(
      [
        { id: 'demo-atlas', name: 'Demo Atlas (scripted, TypeScript)', provider: 'demo', style: 'typescript' },
        { id: 'demo-sloppy', name: 'Demo Sloppy (scripted, JavaScript)', provider: 'demo', style: 'sloppy' },
      ],
      { DATABASE_URL: database.url, ARENA_PYODIDE: 'off', ARENA_LEADERBOARD_BOOTSTRAP: '30' },
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [size, viewport] of Object.entries(SIZES))
    for (const colorScheme of THEMES)
      it(`execution control explains how running code sways a vote; integrity reports; model page (${size}, ${colorScheme})`, async () => {
        const page = await openPage(browser, errors, `exec-${size}-${colorScheme}`, viewport, { colorScheme });
        await page.goto(`${arena.url}/leaderboard/`);
        await page.getByTestId('leaderboard-row').first().waitFor();
        expect(await page.getByTestId('execution-coefficients').count()).toBe(0);

        await page.getByTestId('execution-toggle').check();
        const section = page.getByTestId('execution-coefficients');
        await section.waitFor();
        expect(await section.textContent()).toMatch(/gains nothing from its code running better/);
        // The winners' code ran more often: running ok takes a positive coefficient.
        const ranOk = Number(await page.getByTestId('execution-ranOk').locator('td').nth(1).textContent());
        expect(ranOk).toBeGreaterThan(0);
        expect(await page.getByTestId('ran-ok-odds').textContent()).toMatch(/^\d+\.\d\d×$/);

        await page.getByTestId('dedup-toggle').check();
        await page.getByTestId('anomaly-toggle').check();
        await page.getByTestId('anomaly-report').waitFor();
        expect(await page.getByTestId('dedup-report').textContent()).toMatch(/Frequent prompts: \d+ votes removed/);
        expect(await page.getByTestId('anomaly-report').textContent()).toMatch(/of \d+ voters with 5 or more votes/);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({
          path: path.join(ARTIFACTS, `leaderboard-execution-${size}-${colorScheme}.png`),
          fullPage: true,
        });
        const overflow = await section.evaluate((el) => el.getBoundingClientRect().right - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(1);
        expect(await axeViolations(page)).toEqual([]);

        // Each model links to its execution profile.
        const link = page.getByTestId('model-link').first();
        const name = await link.textContent();
        await link.click();
        await page.getByTestId('model-profile').waitFor();
        await page.getByTestId('profile-reruns').waitFor();
        expect(await page.locator('h1').textContent()).toBe(name);
        expect(await page.getByTestId('profile-languages').locator('tbody tr').count()).toBe(3);
        expect(await page.getByTestId('profile-reruns').textContent()).toMatch(
          /re-ran this model’s code \d+ times|re-ran this model's code \d+ times/,
        );
        await page.screenshot({
          path: path.join(ARTIFACTS, `model-profile-${size}-${colorScheme}.png`),
          fullPage: true,
        });
        expect(await axeViolations(page)).toEqual([]);
        await page.context().close();
        expect(errors).toEqual([]);
      });
});
