import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, launchChromium, openPage } from './browser.js';

const MODELS = [
  {
    id: 'demo-atlas',
    name: 'Demo Atlas (scripted, TypeScript)',
    provider: 'demo',
    style: 'typescript',
    tokensPerSecond: 60,
  },
  {
    id: 'demo-breeze',
    name: 'Demo Breeze (scripted, JavaScript)',
    provider: 'demo',
    style: 'javascript',
    tokensPerSecond: 50,
  },
];

describe('a battle in the browser', () => {
  let arena: ArenaProcess;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // One AutoCodeArena run, as `arena autoarena --out <dir>/sample` leaves it, for the Judges page.
    const autoarena = await mkdtemp(path.join(os.tmpdir(), 'arena-e2e-autoarena-'));
    await mkdir(path.join(autoarena, 'sample'));
    const score = (model: string, winRate: number) => ({
      model,
      winRate,
      low: winRate - 0.05,
      high: winRate + 0.05,
      rating: 1000,
      games: 40,
    });
    await writeFile(
      path.join(autoarena, 'sample', 'results.json'),
      JSON.stringify({
        baseline: 'demo-breeze',
        prompts: 60,
        overall: [score('demo-atlas', 0.62), score('demo-dizzy', 0.18)],
        byCategory: {
          web_design: [score('demo-atlas', 0.7), score('demo-dizzy', 0.2)],
          problem_solving: [score('demo-atlas', 0.55), score('demo-dizzy', 0.15)],
        },
      }),
    );
    arena = await startArenaProcess(MODELS, { ARENA_AUTOARENA_DIR: autoarena });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
  });

  it('runs a battle from the UI with a spectator watching live, votes and reveals the models', async () => {
    const voter = await openPage(browser, errors, 'voter', { width: 1440, height: 1000 });
    const spectator = await openPage(browser, errors, 'spectator', { width: 1280, height: 900 });

    await voter.goto(arena.url);
    await voter.getByTestId('prompt-input').fill('Find all prime numbers below 100 with a sieve');
    await voter.getByTestId('start-battle').click();
    await voter.getByTestId('battle-prompt').waitFor();

    // The spectator finds the battle on the live list while it is still being written.
    await spectator.goto(`${arena.url}/watch/`);
    const link = spectator.getByTestId('live-battle').first();
    await link.waitFor({ timeout: 15_000 });
    await link.click();
    await spectator.getByTestId('spectator-note').waitFor();
    expect(await spectator.getByTestId('battle-prompt').textContent()).toBe(
      'Find all prime numbers below 100 with a sieve',
    );
    await voter.getByText('1 watching').waitFor({ timeout: 10_000 });
    expect(await spectator.locator('[data-testid="battle-status"]').getAttribute('data-status')).not.toBe('revealed');
    // The battle has its own address from the start: a reload mid-battle brings its creator back to it, theirs to
    // vote on (the address a spectator opened is the same, and shows no vote).
    expect(new URL(voter.url()).pathname).toBe('/battle/');
    expect(new URL(voter.url()).searchParams.get('id')).toBe(new URL(spectator.url()).searchParams.get('id'));
    await voter.reload();
    await voter.getByTestId('battle-prompt').waitFor();

    // Both sides stream, run their code and the vote opens — for both viewers.
    for (const page of [voter, spectator]) {
      await page.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 60_000 });
    }
    for (const side of ['a', 'b']) {
      const output = voter.getByTestId(`pane-${side}`).getByTestId('run-output');
      await expect.poll(() => output.textContent()).toContain('25 primes below 100');
    }
    expect(await voter.getByTestId('model-a').count()).toBe(0);
    expect(await spectator.getByTestId('model-a').count()).toBe(0);
    // Only the battle's starter has run controls; every run says whose code it ran.
    expect(await voter.getByTestId('edit-a').count()).toBe(1);
    expect(await spectator.getByTestId('edit-a').count()).toBe(0);
    expect(await spectator.getByTestId('vote-model_a').count()).toBe(0);
    expect(await spectator.getByTestId('pane-a').getByTestId('run-origin').first().textContent()).toBe(
      'the answer’s code',
    );
    const beforeVote = (await voter.content()) + (await spectator.content());
    for (const name of ['Atlas', 'Breeze', 'demo-atlas', 'demo-breeze']) expect(beforeVote).not.toContain(name);
    await voter.screenshot({ path: path.join(ARTIFACTS, 'battle-voting.png') });

    await voter.getByTestId('vote-model_a').click();
    for (const page of [voter, spectator]) {
      await page.getByTestId('model-a').waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-testid="battle-status"]').getAttribute('data-status')).toBe('revealed');
    }
    const names = [await voter.getByTestId('model-a').textContent(), await voter.getByTestId('model-b').textContent()];
    expect(names.sort()).toEqual(MODELS.map((m) => m.name).sort());
    expect(await spectator.getByTestId('model-a').textContent()).toBe(await voter.getByTestId('model-a').textContent());
    await voter.screenshot({ path: path.join(ARTIFACTS, 'battle-revealed.png') });
    await spectator.screenshot({ path: path.join(ARTIFACTS, 'spectator-revealed.png') });
    await voter.getByTestId('new-battle').click();
    await voter.getByTestId('prompt-input').waitFor();
    await voter.screenshot({ path: path.join(ARTIFACTS, 'home.png') });
    expect(errors).toEqual([]);
  });

  it('shows the vote on the leaderboard with its interval, chart and heatmap', async () => {
    const page = await openPage(browser, errors, 'leaderboard', { width: 1440, height: 1100 });
    await page.goto(`${arena.url}/leaderboard/`);
    await expect.poll(() => page.getByTestId('leaderboard-row').count(), { timeout: 15_000 }).toBe(2);
    const text = (await page.getByTestId('leaderboard-table').textContent()) ?? '';
    for (const model of MODELS) expect(text).toContain(model.name);
    expect(text).toContain('provisional');
    expect(await page.locator('svg.chart circle').count()).toBe(2);
    expect(await page.locator('svg.heatmap rect').count()).toBe(4);
    expect(await page.getByTestId('lb-stats').textContent()).toMatch(/^1 battle ·/);
    await page.getByTestId('filter-bothRan').selectOption('false');
    await expect.poll(() => page.getByTestId('leaderboard-row').count()).toBe(0);
    await page.getByTestId('filter-bothRan').selectOption('true');
    await expect.poll(() => page.getByTestId('leaderboard-row').count()).toBe(2);
    const href = await page.getByTestId('download-battles').getAttribute('href');
    const download = await fetch(`${arena.url}${href}`);
    expect((await download.text()).trim().split('\n')).toHaveLength(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'leaderboard.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("shows the judges' agreement with the human vote", async () => {
    const page = await openPage(browser, errors, 'reward', { width: 1280, height: 900 });
    await page.goto(`${arena.url}/reward/`);
    const row = page.getByTestId('reward-row').first();
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toMatch(/^execution judge · sees run results1/);
    expect(await page.locator('svg.chart rect').count()).toBe(1 + 2);
    const run = page.getByTestId('autoarena-run');
    await run.waitFor();
    expect(await run.textContent()).toMatch(/sample · 60 prompts against demo-breeze/);
    expect(await run.textContent()).toContain('62.0%');
    await page.screenshot({ path: path.join(ARTIFACTS, 'reward.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('lists the data sets with their counts, downloads and loading snippet', async () => {
    const page = await openPage(browser, errors, 'datasets', { width: 1280, height: 900 });
    await page.goto(`${arena.url}/datasets/`);
    const battles = page.getByTestId('dataset-battles');
    await expect.poll(() => battles.getByTestId('dataset-rows').textContent(), { timeout: 10_000 }).toBe('1');
    // The execution-grounded judge (the default) has judged the one finished battle.
    await expect
      .poll(() => page.getByTestId('dataset-judgements').getByTestId('dataset-rows').textContent(), { timeout: 10_000 })
      .toBe('1');
    const href = await battles.getByRole('link', { name: 'PARQUET' }).getAttribute('href');
    const parquet = Buffer.from(await (await fetch(`${arena.url}${href}`)).arrayBuffer());
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    // Chromium asks for gzip, gets the JSONL gzipped and saves it decoded: the bytes a client not asking gets.
    // (A download link's response is not shown to Playwright: the server's count says which encoding it sent.)
    const gzipped = async (): Promise<number> =>
      metricValue(await (await fetch(`${arena.url}/metrics`)).text(), 'arena_dataset_exports_total', {
        dataset: 'battles',
        format: 'jsonl',
        encoding: 'gzip',
        outcome: 'completed',
      });
    const before = await gzipped();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      battles.getByRole('link', { name: 'JSONL' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('battles.jsonl');
    const saved = await readFile(await download.path());
    const plain = await (
      await fetch(`${arena.url}/api/datasets/battles.jsonl`, { headers: { 'accept-encoding': 'identity' } })
    ).arrayBuffer();
    expect(saved.equals(Buffer.from(plain))).toBe(true);
    expect(saved.toString().trim().split('\n')).toHaveLength(1);
    expect(await gzipped()).toBe(before + 1);
    expect(await battles.locator('pre').textContent()).toContain(
      `pd.read_json("${arena.url}/api/datasets/battles.jsonl", lines=True)`,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'datasets.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('continues a battle for three turns: a spectator from turn 2, earlier turns folded, one vote on it all', async () => {
    const voter = await openPage(browser, errors, 'voter', { width: 1440, height: 900 });
    await voter.goto(arena.url);
    await voter.getByTestId('prompt-input').fill('Print the first 10 Fibonacci numbers');
    await voter.getByTestId('start-battle').click();
    const status = (page: typeof voter, value: string) =>
      page.locator(`[data-testid="battle-status"][data-status="${value}"]`).waitFor({ timeout: 60_000 });
    await status(voter, 'voting');

    await voter.getByTestId('followup-input').fill('Now print them in reverse order');
    await voter.getByTestId('send-followup').click();
    await status(voter, 'generating');
    // The share link opens a spectator's view in turn 2: it shows turn 1 folded and turn 2 live.
    const href = await voter.getByTestId('share-link').getAttribute('href');
    const spectator = await openPage(browser, errors, 'spectator', { width: 390, height: 844 });
    await spectator.goto(`${arena.url}${href}`);
    await spectator.getByTestId('turn-0').waitFor({ timeout: 10_000 });
    for (const page of [voter, spectator]) await status(page, 'voting');
    expect(await voter.getByTestId('battle-prompt').textContent()).toBe('Now print them in reverse order');
    for (const side of ['a', 'b']) {
      await expect
        .poll(() =>
          voter.getByTestId('current-turn').getByTestId(`pane-${side}`).getByTestId('run-output').textContent(),
        )
        .toContain('revision 1');
    }

    await voter.getByTestId('followup-input').fill('Add a title line above the numbers');
    await voter.getByTestId('send-followup').click();
    // The spectator's connection drops during turn 3 (a reload): it comes back to every turn so far.
    await spectator.reload();
    for (const page of [voter, spectator]) {
      await page.getByTestId('turn-1').waitFor({ timeout: 10_000 });
      await status(page, 'voting');
    }
    expect(await spectator.getByTestId('battle-prompt').textContent()).toBe('Add a title line above the numbers');
    for (const side of ['a', 'b']) {
      // After the reload the third turn's answers and runs are whole, as the creator sees them.
      const pane = (page: typeof voter) => page.getByTestId('current-turn').getByTestId(`pane-${side}`);
      await expect
        .poll(async () => pane(spectator).getByTestId('run-output').textContent())
        .toBe(await pane(voter).getByTestId('run-output').textContent());
    }
    const before = (await voter.content()) + (await spectator.content());
    for (const name of ['Atlas', 'Breeze', 'demo-atlas', 'demo-breeze']) expect(before).not.toContain(name);
    await voter.getByTestId('turn-0').locator('summary').click();
    await voter.screenshot({ path: path.join(ARTIFACTS, 'conversation-desktop.png'), fullPage: true });
    await voter.setViewportSize({ width: 1600, height: 900 });
    await voter.screenshot({ path: path.join(ARTIFACTS, 'conversation-projector.png') });
    await spectator.screenshot({ path: path.join(ARTIFACTS, 'conversation-phone.png'), fullPage: true });

    await voter.getByTestId('vote-model_b').click();
    for (const page of [voter, spectator]) await page.getByTestId('model-a').waitFor({ timeout: 10_000 });
    expect(await voter.getByTestId('followup-form').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
