import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData, startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, axeViolations, launchChromium, openPage } from './browser.js';

/**
 * A battle whose two recorded answers are Streamlit apps (Arena-Hard 61eb140b…, gpt-4-0613 against
 * gpt-3.5-turbo-0125, replayed): each side's run ends with a live app that the run pane shows in a sandboxed
 * iframe, for the creator and for a spectator alike; the person types into one app and it changes.
 */
const data = sharedData('live apps in the run pane', ['arena-hard-v0.1']);
const UID = '61eb140b72ae4802b314a7b828c3ba4b';
const SANDBOX = 'allow-scripts allow-forms allow-popups allow-modals allow-downloads';

describe.skipIf(data.missing)('live apps in the run pane', () => {
  let arena: ArenaProcess;
  let browser: Browser;
  const errors: string[] = [];
  const hard = path.join(data.dir, 'arena-hard-v0.1');
  const models = ['gpt-4-0613', 'gpt-3.5-turbo-0125'].map((model) => ({
    id: `replay-${model}`,
    name: `${model} (replay)`,
    provider: 'replay',
    answersFile: path.join(hard, 'model_answer', `${model}.jsonl`),
    questionsFile: path.join(hard, 'question.jsonl'),
    tokensPerSecond: 4_000,
  }));

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    arena = await startArenaProcess(models, { ARENA_SANDBOX_POOL: '0' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
  });

  async function prompt(): Promise<string> {
    const { readFile } = await import('node:fs/promises');
    const line = (await readFile(path.join(hard, 'question.jsonl'), 'utf8')).split('\n').find((l) => l.includes(UID))!;
    return (JSON.parse(line) as { prompt: string }).prompt;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
  }

  it('shows both sides’ Streamlit apps live, to the creator and a spectator, and an app reacts to typing', async () => {
    const voter = await openPage(browser, errors, 'voter', { width: 1440, height: 900 });
    await voter.goto(arena.url);
    await voter.getByTestId('prompt-input').fill(await prompt());
    await voter.getByTestId('start-battle').click();
    await voter.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 120_000 });
    const frames = voter.getByTestId('run-app-frame');
    await expect.poll(() => frames.count(), { timeout: 120_000 }).toBe(2);
    for (const sandbox of await frames.evaluateAll((els) => els.map((el) => el.getAttribute('sandbox'))))
      expect(sandbox).toBe(SANDBOX);
    // Each pane says what its program is (not "python"), and when its app stops at the latest.
    expect(await voter.getByTestId('code-kind').allTextContents()).toEqual(['Streamlit', 'Streamlit']);
    for (const text of await voter.getByTestId('run-app-expires').allTextContents())
      expect(text).toMatch(/^stops at .*\d{2}.* at the latest$/);
    expect(await voter.getByTestId('run-app-expires').count()).toBe(2);

    // Both apps draw their title; the gpt-3.5 one asks for a URL and shows a video once it has one.
    const apps = voter.frameLocator('[data-testid="run-app-frame"]');
    // This Chromium runs on the Docker host: a new app network's interfaces (their IPv6 link-local addresses come
    // up a moment after the app answers) make it fail the page's module loads with ERR_NETWORK_CHANGED, which a
    // viewer's browser on another machine never sees. An app page caught by it is reloaded with the pane's button.
    for (const i of [0, 1]) {
      for (let attempt = 1; ; attempt++) {
        const drawn = await apps
          .nth(i)
          .locator('h1')
          .first()
          .waitFor({ timeout: 30_000 })
          .then(() => true)
          .catch(() => false);
        if (drawn) break;
        if (attempt === 3) throw new Error(`app ${i} drew no title after ${attempt} loads`);
        await voter.getByRole('button', { name: 'Reload' }).nth(i).click();
      }
    }
    // Streamlit draws the title before the widgets under it: wait for the input, in whichever app has one.
    const inputIn = async (): Promise<number> => {
      for (const i of [0, 1]) if ((await apps.nth(i).locator('input[type="text"]').count()) > 0) return i;
      return -1;
    };
    await expect.poll(inputIn, { timeout: 60_000 }).not.toBe(-1);
    const withInput = await inputIn();
    const frame = apps.nth(withInput);
    const appPane = frames.nth(withInput);
    const input = frame.locator('input[type="text"]').first();
    await input.fill('https://example.org/clip.mp4');
    await input.press('Enter');
    await frame.locator('video').first().waitFor({ timeout: 30_000 });
    await appPane.scrollIntoViewIfNeeded();
    await shot(voter, 'apps-battle-1440');
    expect(await axeViolations(voter)).toEqual([]);

    // A spectator watching the battle sees the apps too.
    const battleUrl = voter.url();
    for (const [name, viewport, scheme] of [
      ['apps-spectator-projector-1600', { width: 1600, height: 900 }, 'light'],
      ['apps-spectator-phone-390', { width: 390, height: 844 }, 'light'],
      ['apps-spectator-dark-1440', { width: 1440, height: 900 }, 'dark'],
    ] as const) {
      const spectator = await openPage(browser, errors, name, viewport, { colorScheme: scheme });
      await spectator.goto(battleUrl);
      const spectatorFrames = spectator.getByTestId('run-app-frame');
      await expect.poll(() => spectatorFrames.count(), { timeout: 60_000 }).toBe(2);
      await spectator
        .frameLocator('[data-testid="run-app-frame"]')
        .first()
        .locator('h1')
        .first()
        .waitFor({ timeout: 60_000 });
      await spectatorFrames.first().scrollIntoViewIfNeeded();
      await shot(spectator, name);
      await spectator.context().close();
    }
    expect(errors).toEqual([]);
  });
});
