import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, axeViolations, launchChromium, openPage } from './browser.js';

/**
 * A first visit, as a person makes it: every page at a laptop's, a projector's and a phone's size, in the
 * dark and the light system theme. One battle (with a long prompt, one side crashing on stderr) and one
 * voting session are played first so that every page has something to show.
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
    id: 'demo-sloppy',
    name: 'Demo Sloppy (scripted, JavaScript)',
    provider: 'demo',
    style: 'sloppy',
    tokensPerSecond: 150,
  },
];
const SIZES = {
  desktop: { width: 1440, height: 900 },
  projector: { width: 1600, height: 900 },
  phone: { width: 390, height: 844 },
};
const THEMES = ['dark', 'light'] as const;
/** Twelve lines: more than a prompt card shows folded. The sloppy model's answer to it reads an undefined name. */
const LONG_PROMPT = [
  'Find all prime numbers below 100 with a sieve.',
  ...Array.from({ length: 12 }, (_, i) => `- requirement ${i + 1}: keep the output readable`),
].join('\n');

interface Tour {
  battleId: string;
  sessionId: string;
  hostKey: string;
  joinCode: string;
}

function pages(t: Tour): { name: string; path: string; ready: string }[] {
  return [
    { name: 'home', path: '/', ready: 'prompt-input' },
    { name: 'battle', path: `/battle/?id=${t.battleId}`, ready: 'battle-status' },
    { name: 'watch', path: '/watch/', ready: 'live-battle' },
    { name: 'sessions', path: '/session/', ready: 'session-title' },
    { name: 'session-host', path: `/session/host/?id=${t.sessionId}#key=${t.hostKey}`, ready: 'host-reveal' },
    { name: 'session-play', path: `/session/play/?code=${t.joinCode}`, ready: 'phone-reveal' },
    { name: 'session-summary', path: `/session/summary/?id=${t.sessionId}`, ready: 'session-board' },
    { name: 'leaderboard', path: '/leaderboard/', ready: 'leaderboard-row' },
    { name: 'judges', path: '/reward/', ready: 'reward-row' },
    { name: 'datasets', path: '/datasets/', ready: 'dataset-battles' },
    { name: 'not-found', path: '/no-such-page/', ready: 'not-found' },
  ];
}

describe('every page, on every screen size, in both themes', () => {
  let arena: ArenaProcess;
  let browser: Browser;
  const errors: string[] = [];
  const tour: Tour = { battleId: '', sessionId: '', hostKey: '', joinCode: '' };
  let tallyBeforeVote = -1;
  let tallyAfterVote = -1;

  /** A page in a fresh context that has joined the session's room under a nickname (for the phone view). */
  const visitor = async (
    who: string,
    viewport: { width: number; height: number },
    colorScheme: 'dark' | 'light' = 'dark',
  ): Promise<Page> => {
    const page = await openPage(browser, errors, who, viewport, { colorScheme });
    await page.addInitScript(() => window.localStorage.setItem('arena.nickname', 'visitor'));
    return page;
  };
  const open = async (page: Page, target: { path: string; ready: string }): Promise<void> => {
    await page.goto(`${arena.url}${target.path}`);
    await page.getByTestId(target.ready).first().waitFor({ timeout: 20_000 });
  };
  /** `open`, saying what went wrong instead of throwing, so that one broken page does not hide the others. */
  const tryOpen = async (page: Page, target: { name: string; path: string; ready: string }): Promise<string> =>
    open(page, target).then(
      () => '',
      () => `${target.name}: did not show ${target.ready}`,
    );

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    arena = await startArenaProcess(MODELS, { ARENA_PYODIDE: 'off' });
    browser = await launchChromium();

    // A battle from the home page.
    const voter = await visitor('voter', SIZES.desktop);
    await voter.goto(arena.url);
    await voter.getByTestId('prompt-input').fill(LONG_PROMPT);
    await voter.getByTestId('start-battle').click();
    await voter.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 60_000 });
    const href = (await voter.getByTestId('share-link').getAttribute('href')) ?? '';
    tour.battleId = new URL(href, arena.url).searchParams.get('id') ?? '';
    // One decisive vote: with so few, the ratings' intervals are thousands of points wide.
    await voter.getByTestId('vote-model_a').click();
    await voter.getByTestId('model-a').waitFor();
    await voter.close();

    // A voting session with one battle, one phone's vote (a tie) and the reveal.
    const host = await visitor('host', SIZES.projector);
    await host.goto(`${arena.url}/session/`);
    await host.getByTestId('session-title').fill('Tour night');
    await host.getByTestId('session-create').click();
    await host.getByTestId('host-view').waitFor();
    tour.joinCode = ((await host.getByTestId('join-code-shown').textContent()) ?? '').trim();
    tour.sessionId = new URL(host.url()).searchParams.get('id') ?? '';
    tour.hostKey = await host.evaluate(
      (id) => (JSON.parse(window.localStorage.getItem('arena.hostKeys') ?? '{}') as Record<string, string>)[id] ?? '',
      tour.sessionId,
    );
    const phone = await visitor('phone', SIZES.phone);
    await phone.goto(`${arena.url}/session/play/?code=${tour.joinCode}`);
    await phone.getByTestId('waiting').waitFor();
    await host.getByTestId('participants').filter({ hasText: '1' }).waitFor();
    await host.getByTestId('host-prompt').fill('Print the first 15 Fibonacci numbers');
    await host.getByTestId('host-start').click();
    await phone.getByTestId('phone-vote-tie').and(phone.locator(':enabled')).waitFor({ timeout: 60_000 });
    tallyBeforeVote = await phone.getByTestId('tally').count();
    await phone.getByTestId('phone-vote-tie').click();
    await phone.getByTestId('phone-vote-hint').filter({ hasText: 'Vote counted' }).waitFor();
    tallyAfterVote = await phone.getByTestId('tally').count();
    await host.locator('[data-testid="tally"][data-voters="1"]').waitFor();
    await host.getByTestId('host-close').click();
    await host.getByTestId('host-reveal').waitFor();
    await phone.getByTestId('phone-reveal').waitFor();
    await host.close();
    await phone.close();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
  });

  it('fits every page in a 390 px phone: nothing is wider than the screen', async () => {
    const page = await visitor('phone tour', SIZES.phone);
    const wide: string[] = [];
    for (const target of pages(tour)) {
      const failed = await tryOpen(page, target);
      if (failed) wide.push(failed);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > SIZES.phone.width) wide.push(`${target.name}: ${width}px`);
    }
    expect(wide).toEqual([]);
    // Keyboard hints are for keyboards.
    await open(page, pages(tour)[0]!);
    expect(await page.getByText('Ctrl+Enter').isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('gives every page its own title and one h1', async () => {
    const page = await visitor('titles', SIZES.desktop);
    const titles = new Map<string, string>();
    const headings: string[] = [];
    for (const target of pages(tour)) {
      const failed = await tryOpen(page, target);
      if (failed) headings.push(failed);
      titles.set(target.name, await page.title());
      const h1 = await page.locator('h1').count();
      if (h1 !== 1) headings.push(`${target.name}: ${h1} h1`);
    }
    expect(headings).toEqual([]);
    expect(new Set(titles.values()).size, JSON.stringify([...titles])).toBe(titles.size);
    // The prompt box has a label, not just a placeholder.
    await open(page, pages(tour)[0]!);
    expect(await page.getByLabel('Your programming request').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  // One load of each page per size and theme serves both the check and the screenshot; one test for each pair.
  for (const colorScheme of THEMES) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      it(`has no serious or critical accessibility violation (axe-core) on any page: ${size}, ${colorScheme}; screenshots`, async () => {
        const found: string[] = [];
        const page = await visitor(`shots ${colorScheme} ${size}`, viewport, colorScheme);
        for (const target of pages(tour)) {
          const failed = await tryOpen(page, target);
          if (failed) found.push(failed);
          for (const v of await axeViolations(page)) found.push(`${target.name}: ${v}`);
          await page.screenshot({
            path: path.join(ARTIFACTS, `tour-${target.name}-${size}-${colorScheme}.png`),
            fullPage: true,
          });
        }
        await page.close();
        expect(found).toEqual([]);
        expect(errors).toEqual([]);
      });
    }
  }

  it("answers unknown paths and ids with the app's own pages and a way back", async () => {
    const page = await visitor('lost', SIZES.desktop);
    const response = await page.goto(`${arena.url}/no-such-page/`);
    expect(response?.status()).toBe(404);
    await page.getByTestId('not-found').waitFor();
    expect(await page.getByRole('link', { name: /start a battle/i }).getAttribute('href')).toBe('/');
    // The API's unknown paths stay JSON.
    const api = await fetch(`${arena.url}/api/no-such-thing`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');

    const friendly = async (target: string, expected: RegExp): Promise<void> => {
      await page.goto(`${arena.url}${target}`);
      const problem = page.getByTestId('problem');
      await problem.waitFor({ timeout: 15_000 });
      const text = (await problem.textContent()) ?? '';
      expect(text).toMatch(expected);
      expect(text).not.toMatch(/UUID|battleId:|no battle [0-9a-f-]{8}/);
      expect(await problem.getByRole('link').count()).toBeGreaterThan(0);
    };
    await friendly('/battle/?id=not-a-battle', /no battle at this address/i);
    await friendly('/battle/?id=00000000-0000-4000-8000-000000000000', /no battle at this address/i);
    await friendly('/session/play/?code=ZZZZZZ', /no session with the code ZZZZZZ/i);
    await friendly('/session/summary/?id=00000000-0000-4000-8000-000000000000', /no session at this address/i);
    expect(errors).toEqual([]);
  });

  it('shows a revealed battle: the long prompt folds with "show more", stderr stands apart', async () => {
    const page = await visitor('details', SIZES.desktop);
    await open(page, { path: `/battle/?id=${tour.battleId}`, ready: 'battle-prompt' });
    const prompt = page.getByTestId('battle-prompt');
    const folded = await prompt.evaluate((el) => el.getBoundingClientRect().height);
    await page.getByRole('button', { name: 'Show more' }).click();
    expect(await prompt.evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(folded);
    expect(await prompt.textContent()).toContain('requirement 12');
    // The sloppy side reads an undefined name: its error is on stderr, drawn apart from stdout.
    const stderr = page.getByTestId('stderr').first();
    await stderr.waitFor();
    expect(await stderr.textContent()).toMatch(/Error/);
    const colors = await page.evaluate(() => {
      const err = document.querySelector('[data-testid="stderr"]');
      const console = err?.closest('.console');
      return [err && getComputedStyle(err).color, console && getComputedStyle(console).color];
    });
    expect(colors[0]).not.toBe(colors[1]);
    expect(errors).toEqual([]);
  });

  it('draws the Watch list as compact rows in the theme', async () => {
    const page = await visitor('watch', SIZES.desktop);
    await open(page, { path: '/watch/', ready: 'live-battle' });
    const row = page.getByTestId('live-battle').first();
    expect(await row.evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(100);
    const background = await row
      .locator('.battle-preview, .preview')
      .first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).not.toBe('rgb(255, 255, 255)');
  });

  it('leaderboard: provisional rows say so, the axis stays near the ratings, the language filter explains itself', async () => {
    const page = await visitor('leaderboard', SIZES.desktop);
    await open(page, { path: '/leaderboard/', ready: 'leaderboard-row' });
    // One vote: both models are provisional, and that is visible, not a tooltip.
    const badge = page.getByTestId('leaderboard-row').first().getByTestId('provisional');
    expect(await badge.isVisible()).toBe(true);
    const ticks = (await page.locator('svg.chart .tick').allTextContents()).map(Number);
    expect(ticks.length).toBeGreaterThan(1);
    for (const tick of ticks) {
      expect(tick).toBeGreaterThanOrEqual(0);
      expect(tick).toBeLessThanOrEqual(2000);
    }
    expect(await page.getByTestId('language-note').textContent()).toMatch(/either side/);
  });

  it("keeps the room's tally off a phone until its owner has voted (no herding)", () => {
    expect(tallyBeforeVote).toBe(0);
    expect(tallyAfterVote).toBe(1);
  });

  it('session summary: tied models share a rank', async () => {
    const page = await visitor('summary', SIZES.desktop);
    await open(page, { path: `/session/summary/?id=${tour.sessionId}`, ready: 'session-board' });
    const ranks = await page.getByTestId('session-board').locator('tbody tr td:first-child').allTextContents();
    expect(ranks).toEqual(['1', '1']);
  });

  it('judges: Greek letters stay Greek, the modes are spelled out', async () => {
    const page = await visitor('judges', SIZES.desktop);
    await open(page, { path: '/reward/', ready: 'reward-row' });
    const kappa = page.getByTestId('reward-table').locator('th', { hasText: 'κ' });
    expect(await kappa.evaluate((el) => getComputedStyle(el).textTransform)).toBe('none');
    expect(await page.getByTestId('reward-row').first().textContent()).toMatch(/execution judge · sees run results/);
  });

  it('data sets: the snippet fits its box, the data-set card is rendered', async () => {
    const page = await visitor('datasets', SIZES.phone);
    await open(page, { path: '/datasets/', ready: 'dataset-battles' });
    const snippet = page.getByTestId('dataset-battles').locator('pre.snippet');
    expect(await snippet.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page
      .getByTestId('dataset-battles')
      .getByRole('button', { name: /data-set card/ })
      .click();
    const card = page.getByTestId('dataset-battles').getByTestId('dataset-card');
    await card.locator('h3, h4').first().waitFor();
    expect(await card.textContent()).not.toContain('## ');
    // Its schema is a table, not lines of pipes.
    expect(await card.locator('table').count()).toBeGreaterThan(0);
    expect(await card.textContent()).not.toContain('| --- |');
    await page.screenshot({ path: path.join(ARTIFACTS, 'tour-datasets-card-phone-dark.png'), fullPage: true });
  });

  it('home: a counter near the prompt limit; a running program shows its elapsed time; votes by keyboard', async () => {
    const page = await visitor('limits', SIZES.desktop);
    // Both answers have a code block: "No code block" must never show, not even between an answer's end and
    // its code's extraction.
    await page.addInitScript(() => {
      const seen = window as unknown as { sawNoCode: boolean };
      seen.sawNoCode = false;
      new MutationObserver(() => {
        if (document.body?.textContent?.includes('No code block')) seen.sawNoCode = true;
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await open(page, { path: '/', ready: 'prompt-input' });
    await page.getByTestId('prompt-input').fill('x'.repeat(15_950));
    expect(await page.getByTestId('prompt-limit').textContent()).toMatch(/50 characters left/);
    // The sloppy model's answer to this prompt never ends: the run shows its time while it goes on.
    await page.getByTestId('prompt-input').fill('Print the first 10 Fibonacci numbers');
    await page.getByTestId('start-battle').click();
    await page.getByTestId('run-elapsed').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('run-elapsed').first().textContent()).toMatch(/\d+ s/);
    expect(await page.getByTestId('battle-elapsed').textContent()).toMatch(/\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'tour-home-running-desktop-dark.png'), fullPage: true });
    await page.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('vote-bar').textContent()).toMatch(/keys? 1/i);
    expect(await page.evaluate(() => (window as unknown as { sawNoCode: boolean }).sawNoCode)).toBe(false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'tour-home-voting-desktop-dark.png') });
    await page.setViewportSize(SIZES.phone);
    await page.screenshot({ path: path.join(ARTIFACTS, 'tour-home-voting-phone-dark.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(SIZES.phone.width);
    await page.keyboard.press('3');
    await page.getByTestId('model-a').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('pane-a').locator('.pill').first().textContent()).toBe('tie');
    expect(errors).toEqual([]);
  });
});
