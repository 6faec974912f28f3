import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, launchChromium, openPage } from './browser.js';

/**
 * A battle's runs as every viewer sees them: the editor agrees with the run shown above it, runs are numbered
 * and timed the same for a viewer who came late, a stored run keeps its stderr apart, and on a phone the vote
 * stays within reach while the answers are read.
 */
const MODELS = [
  {
    id: 'demo-atlas',
    name: 'Demo Atlas (scripted, TypeScript)',
    provider: 'demo',
    style: 'typescript',
    tokensPerSecond: 150,
  },
  {
    id: 'demo-breeze',
    name: 'Demo Breeze (scripted, JavaScript)',
    provider: 'demo',
    style: 'javascript',
    tokensPerSecond: 150,
  },
];
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Valid JavaScript and TypeScript alike: it waits long enough for a late viewer to arrive while it runs. */
const SLOW = "console.log('started');\nsetTimeout(() => console.log('done'), 12000);";
/** stdout and stderr taking turns: only ranges kept with the run can tell a late viewer which line was which. */
const INTERLEAVED = "console.log('out 1');\nconsole.error('err 1');\nconsole.log('out 2');\nconsole.error('err 2');";
const MINE = "console.log('my own edit');";
const OTHER = "console.log('from the other tab');";

/** A run's output as drawn: each part with whether it is marked as stderr. */
function consoleParts(run: Locator): Promise<[string, string][]> {
  return run
    .locator('.console > span')
    .evaluateAll((spans) =>
      spans.map((s): [string, string] => [
        s.classList.contains('stderr') ? 'stderr' : 'stdout',
        (s.textContent ?? '').replace(/^stderr: /, ''),
      ]),
    );
}

/** Whole seconds shown by a running run's counter (`12 s`, `1 min 05 s`). */
async function elapsedSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId('pane-a').getByTestId('run-elapsed').textContent()) ?? '';
  const match = /(?:(\d+) min )?(\d+) s/.exec(text);
  if (!match) throw new Error(`not an elapsed time: ${text}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
}

describe("a battle's runs, for every viewer", () => {
  let arena: ArenaProcess;
  let browser: Browser;
  let dataDir: string;
  const errors: string[] = [];
  const env = (): Record<string, string> => ({
    ARENA_DATA_DIR: dataDir,
    ARENA_PYODIDE: 'off',
    ARENA_RUN_WALL_MS: '30000',
  });
  const status = (page: Page, value: string): Promise<void> =>
    page.locator(`[data-testid="battle-status"][data-status="${value}"]`).waitFor({ timeout: 60_000 });
  const start = async (page: Page, prompt: string): Promise<string> => {
    await page.goto(arena.url);
    await page.getByTestId('prompt-input').fill(prompt);
    await page.getByTestId('start-battle').click();
    await status(page, 'voting');
    return new URL(page.url()).searchParams.get('id') ?? '';
  };
  /** Run `code` on side A from `page`'s editor. */
  const rerun = async (page: Page, code: string): Promise<void> => {
    if (!(await page.getByTestId('editor-a').isVisible())) await page.getByTestId('edit-a').click();
    await page.getByTestId('code-a').fill(code);
    await page.getByTestId('run-a').click();
  };
  const runsOf = (page: Page): Locator =>
    page.getByTestId('current-turn').getByTestId('pane-a').getByTestId('run-output');

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'arena-e2e-runs-'));
    arena = await startArenaProcess(MODELS, env());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const labels = (page: Page): Promise<string> =>
    runsOf(page)
      .getByTestId('run-number')
      .allTextContents()
      .then((all) => all.join(', '));
  /** Until side A has no run going on. */
  const settled = (page: Page): Promise<void> =>
    expect.poll(() => runsOf(page).getByTestId('run-elapsed').count(), { timeout: 30_000 }).toBe(0);

  it('numbers and times runs the same for a viewer who arrives while one is running', async () => {
    const creator = await openPage(browser, errors, 'creator', DESKTOP);
    const battleId = await start(creator, 'Find all prime numbers below 100 with a sieve');
    await rerun(creator, SLOW);
    await expect.poll(() => runsOf(creator).count()).toBe(2);
    await expect.poll(() => elapsedSeconds(creator), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    // Run 2 started three seconds ago or more: so says the clock of one who comes now.
    const late = await openPage(browser, errors, 'late viewer', DESKTOP);
    await late.goto(`${arena.url}/battle/?id=${battleId}`);
    await late.getByTestId('pane-a').getByTestId('run-elapsed').waitFor();
    expect(await elapsedSeconds(late)).toBeGreaterThanOrEqual(3);
    expect(await labels(late)).toBe('Run 1, Run 2');
    expect(await labels(late)).toBe(await labels(creator));
    const origin = (page: Page) => runsOf(page).nth(1).getByTestId('run-origin').textContent();
    expect(await origin(late)).toBe(await origin(creator));
    await settled(creator);
    expect(errors).toEqual([]);
  });

  it('keeps the editor on the run shown above it, unless it holds edits of its own, and says so', async () => {
    // The creator in two tabs of one browser (one voter): a re-run from either is a new run for both.
    const context = await browser.newContext({ viewport: DESKTOP });
    const creator = await context.newPage();
    creator.on('pageerror', (error) => errors.push(`creator: ${error.message}`));
    const battleId = await start(creator, 'Print the first 10 Fibonacci numbers');
    const other = await context.newPage();
    other.on('pageerror', (error) => errors.push(`other tab: ${error.message}`));
    await other.goto(`${arena.url}/battle/?id=${battleId}`);
    await other.getByTestId('edit-a').waitFor();
    await settled(creator);

    await creator.getByTestId('edit-a').click();
    expect(await creator.getByTestId('code-a').inputValue()).not.toBe(OTHER);
    // A re-run from the other tab: the creator's editor, without edits of its own, now holds that run's code.
    await rerun(other, OTHER);
    await expect.poll(() => runsOf(creator).count()).toBe(2);
    await expect.poll(() => creator.getByTestId('code-a').inputValue()).toBe(OTHER);
    expect(await creator.getByTestId('editor-behind-a').count()).toBe(0);
    await settled(creator);

    // Edits of one's own are kept when another run comes, and the editor says they are based on an earlier run.
    await creator.getByTestId('code-a').fill(MINE);
    await rerun(other, INTERLEAVED);
    await expect.poll(() => runsOf(creator).count()).toBe(3);
    await creator.getByTestId('editor-behind-a').waitFor();
    expect(await creator.getByTestId('code-a').inputValue()).toBe(MINE);
    expect(await creator.getByTestId('editor-behind-a').textContent()).toMatch(/your edits.*Run 3/);
    await creator.getByTestId('editor-a').scrollIntoViewIfNeeded();
    await creator.screenshot({ path: path.join(ARTIFACTS, 'runs-editor-behind.png') });
    await creator.getByTestId('load-shown-a').click();
    expect(await creator.getByTestId('code-a').inputValue()).toBe(INTERLEAVED);
    expect(await creator.getByTestId('editor-behind-a').count()).toBe(0);
    await settled(creator);

    // The creator back later (a reload): the editor opens on the code of the run shown above it, not the answer's.
    await creator.reload();
    await creator.getByTestId('edit-a').click();
    expect(await creator.getByTestId('code-a').inputValue()).toBe(INTERLEAVED);
    await context.close();
    expect(errors).toEqual([]);
  });

  it('shows a stored run to a late viewer with its stderr marked where it came, as a live viewer saw it', async () => {
    const creator = await openPage(browser, errors, 'creator', DESKTOP);
    const battleId = await start(creator, 'Print the first 10 Fibonacci numbers');
    await rerun(creator, INTERLEAVED);
    await expect.poll(() => runsOf(creator).nth(1).getByTestId('stderr').count(), { timeout: 15_000 }).toBe(2);
    await settled(creator);
    const live = await consoleParts(runsOf(creator).nth(1));
    expect(live).toEqual([
      ['stdout', 'out 1\n'],
      ['stderr', 'err 1\n'],
      ['stdout', 'out 2\n'],
      ['stderr', 'err 2\n'],
    ]);
    await creator.getByTestId('vote-model_a').click();
    await creator.getByTestId('model-a').waitFor({ timeout: 10_000 });
    // A new process on the same database: the battle is no longer in any process's memory, only stored.
    await arena.stop();
    arena = await startArenaProcess(MODELS, env());
    const late = await openPage(browser, errors, 'stored viewer', DESKTOP);
    await late.goto(`${arena.url}/battle/?id=${battleId}`);
    await late.getByTestId('model-a').waitFor({ timeout: 15_000 });
    expect(await consoleParts(runsOf(late).nth(1))).toEqual(live);
    expect(await labels(late)).toBe('Run 1, Run 2');
    expect(errors).toEqual([]);
  });

  it('keeps the vote within reach on a phone while the answers are long, covering nothing at the end', async () => {
    const page = await openPage(browser, errors, 'phone voter', PHONE);
    await start(page, 'Print the first 10 Fibonacci numbers');
    await page.evaluate(() => window.scrollTo(0, 0));
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height).toBeGreaterThan(2 * PHONE.height);
    const bar = page.getByTestId('vote-bar');
    const inView = async (): Promise<boolean> => {
      const box = await bar.boundingBox();
      return box !== null && box.y >= 0 && box.y + box.height <= PHONE.height;
    };
    expect(await inView()).toBe(true);
    // Halfway down, still there; it is no taller than a fifth of the screen.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2 - 400));
    expect(await inView()).toBe(true);
    expect((await bar.boundingBox())?.height ?? PHONE.height).toBeLessThan(PHONE.height / 5);
    await page.screenshot({ path: path.join(ARTIFACTS, 'runs-vote-sticky-phone.png') });
    // At the end of the page it is in its own place, above the follow-up box, which it does not cover.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const barBox = await bar.boundingBox();
    const formBox = await page.getByTestId('followup-form').boundingBox();
    expect(barBox && formBox && barBox.y + barBox.height <= formBox.y).toBe(true);
    // The keyboard reaches it: focus moves from the last pane's run controls to the vote buttons.
    await page.getByTestId('edit-b').focus();
    const reached: string[] = [];
    for (let i = 0; i < 12 && !reached.includes('vote-model_a'); i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? ''));
    }
    expect(reached).toContain('vote-model_a');
    await page.keyboard.press('Enter');
    await page.getByTestId('model-a').waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
  });
});
