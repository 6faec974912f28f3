import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, REPO_ROOT, startArenaProcess, type Proc } from '@arena/testkit';
import { ARTIFACTS, launchChromium, openPage } from './browser.js';

/**
 * The leaderboard's style-control toggle: battles with real answers (longer, richer answers win more often)
 * are imported, the page is opened at a laptop's, a projector's and a phone's size, style control is switched
 * on, and the coefficients with their explanation appear.
 */
const SIZES = {
  desktop: { width: 1440, height: 900 },
  projector: { width: 1600, height: 900 },
  phone: { width: 390, height: 844 },
};

function battleRows(count: number): string {
  const models = ['demo-atlas', 'demo-sloppy', 'imported-gamma'];
  const answer = (m: number, i: number): string =>
    [
      m > 0 ? '## Approach' : '',
      ...Array.from({ length: m * 2 + (i % 3) }, (_, k) => `- point ${k + 1}`),
      m === 2 ? 'The **key** idea is simple.' : '',
      'text '.repeat(10 + ((i * 7) % 30) * (m + 1)),
      '```js\nconsole.log(1);\n```',
    ]
      .filter(Boolean)
      .join('\n');
  return Array.from({ length: count }, (_, i) => {
    const a = i % 3;
    const b = (a + 1 + (i % 2)) % 3;
    const answerA = answer(a, i);
    const answerB = answer(b, i + 1);
    const winner = i % 9 === 0 ? 'tie' : answerA.length > answerB.length !== (i % 4 === 0) ? 'model_a' : 'model_b';
    return JSON.stringify({
      question_id: `q${i}`,
      model_a: models[a],
      model_b: models[b],
      winner,
      anony: true,
      tstamp: 1_790_000_000 + i,
      conversation_a: [
        { role: 'user', content: `task ${i}` },
        { role: 'assistant', content: answerA },
      ],
      conversation_b: [
        { role: 'user', content: `task ${i}` },
        { role: 'assistant', content: answerB },
      ],
    });
  }).join('\n');
}

describe('leaderboard: style control', () => {
  let arena: Proc;
  let browser: Browser;
  let database: { url: string; drop: () => Promise<void> };
  let dir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-style-e2e-'));
    database = await freshPostgresDatabase('style_e2e');
    const file = path.join(dir, 'battles.jsonl');
    await writeFile(file, battleRows(300));
    const imported = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'backend/dist/cli/arena.js'), 'import', '--battles', file],
      {
        env: { ...process.env, LOG_LEVEL: 'error', DATABASE_URL: database.url },
        encoding: 'utf8',
      },
    );
    if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
    arena = await startArenaProcess(
      [
        { id: 'demo-atlas', name: 'Demo Atlas (scripted, TypeScript)', provider: 'demo', style: 'typescript' },
        { id: 'demo-sloppy', name: 'Demo Sloppy (scripted, JavaScript)', provider: 'demo', style: 'sloppy' },
      ],
      { DATABASE_URL: database.url, ARENA_PYODIDE: 'off', ARENA_LEADERBOARD_BOOTSTRAP: '40' },
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.entries(SIZES))(
    'switches style control on and explains the coefficients (%s)',
    async (size, viewport) => {
      const page = await openPage(browser, errors, `style-${size}`, viewport);
      await page.goto(`${arena.url}/leaderboard/`);
      await page.getByTestId('leaderboard-row').first().waitFor();
      expect(await page.getByTestId('style-coefficients').count()).toBe(0);
      const before = await page.getByTestId('leaderboard-row').first().locator('td').nth(2).textContent();

      await page.getByTestId('style-toggle').check();
      const section = page.getByTestId('style-coefficients');
      await section.waitFor();
      expect(await section.textContent()).toMatch(/gains nothing from being longer or using more markdown/);
      const tokens = Number(await page.getByTestId('style-tokens').locator('td').nth(1).textContent());
      // The imported votes favour the longer answer most of the time.
      expect(tokens).toBeGreaterThan(0);
      for (const feature of ['tokens', 'headers', 'lists', 'bold']) {
        expect(await page.getByTestId(`style-${feature}`).isVisible()).toBe(true);
      }
      expect(await page.getByTestId('leaderboard-row').count()).toBe(3);
      expect(before).toMatch(/^\d+$/);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(ARTIFACTS, `leaderboard-style-${size}.png`), fullPage: true });
      // The explanation and the coefficients fit the screen: no sideways scrolling of the section itself.
      const overflow = await section.evaluate((el) => el.getBoundingClientRect().right - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await page.context().close();
      expect(errors).toEqual([]);
    },
  );
});
