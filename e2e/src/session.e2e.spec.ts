import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, launchChromium, openPage } from './browser.js';

const MODELS = [
  {
    id: 'demo-atlas',
    name: 'Demo Atlas (scripted, TypeScript)',
    provider: 'demo',
    style: 'typescript',
    tokensPerSecond: 120,
  },
  {
    id: 'demo-breeze',
    name: 'Demo Breeze (scripted, JavaScript)',
    provider: 'demo',
    style: 'javascript',
    tokensPerSecond: 100,
  },
];
const PHONE = { width: 390, height: 844 };
const PROJECTOR = { width: 1600, height: 900 };

describe('a voting session in the browser', () => {
  let arena: ArenaProcess;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    arena = await startArenaProcess(MODELS, {
      DOCKER_HOSTS: 'none',
      ARENA_PYODIDE: 'off',
      // Phones cannot open the host's 127.0.0.1: the projector names the public address instead.
      ARENA_PUBLIC_URL: 'https://arena.example.org',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
  });

  it('a host on a projector and two phones run a battle to the reveal', async () => {
    const host = await openPage(browser, errors, 'host', PROJECTOR);
    await host.goto(`${arena.url}/session/`);
    await host.getByTestId('session-title').fill('Friday meetup');
    await host.getByTestId('session-create').click();
    await host.getByTestId('host-view').waitFor();
    const code = (await host.getByTestId('join-code-shown').textContent())?.trim() ?? '';
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    await host.getByTestId('join-qr').locator('svg').waitFor();
    expect(await host.getByTestId('join-label').textContent()).toContain('arena.example.org/session');
    // The host opens the roster before anyone has joined: it fills in as people join, without a reload.
    await host.getByRole('button', { name: 'manage participants' }).click();
    await host.getByTestId('roster').waitFor({ state: 'attached' });

    const phones = [
      await openPage(browser, errors, 'phone 1', PHONE),
      await openPage(browser, errors, 'phone 2', PHONE),
    ];
    for (const [i, phone] of phones.entries()) {
      await phone.goto(`${arena.url}/session/play/?code=${code}`);
      await phone.getByTestId('play-nickname').fill(`guest${i + 1}`);
      await phone.getByTestId('play-join').click();
      await phone.getByTestId('waiting').waitFor();
    }
    await host.getByTestId('participants').filter({ hasText: '2' }).waitFor();
    await expect
      .poll(() => host.getByTestId('roster').textContent(), { timeout: 10_000 })
      .toMatch(/guest1.*guest2|guest2.*guest1/s);
    await host.getByRole('button', { name: 'hide participants' }).click();

    await host.getByTestId('host-prompt').fill('Print the first 20 Fibonacci numbers');
    await host.getByTestId('host-start').click();
    for (const phone of phones) await phone.getByTestId('phone-prompt').filter({ hasText: 'Fibonacci' }).waitFor();

    // Before anyone votes, the host asks both models for a change: the phones follow into turn 2.
    await host.getByTestId('host-followup').fill('Now print them in reverse order');
    await host.getByTestId('host-send-followup').click();
    for (const phone of phones) {
      await phone.getByTestId('phone-prompt').filter({ hasText: 'reverse order' }).waitFor({ timeout: 60_000 });
      await phone.getByTestId('phone-turn').waitFor();
    }

    // The vote opens on the phones once both answers have run.
    await phones[0]!.getByTestId('phone-vote-model_a').and(phones[0]!.locator(':enabled')).waitFor({ timeout: 60_000 });
    await phones[0]!.getByTestId('phone-vote-model_a').click();
    await phones[1]!.getByTestId('phone-vote-model_a').and(phones[1]!.locator(':enabled')).waitFor({ timeout: 60_000 });
    await phones[1]!.getByTestId('phone-vote-model_b').click();
    for (const phone of phones)
      await phone.getByTestId('phone-vote-hint').filter({ hasText: 'Vote counted' }).waitFor();

    // The tally reaches the projector live, counts only; nothing names a model yet.
    await host.locator('[data-testid="tally"][data-voters="2"]').waitFor();
    expect(await host.getByTestId('tally-model_a').textContent()).toBe('1');
    expect(await host.getByTestId('tally-model_b').textContent()).toBe('1');
    for (const page of [host, ...phones]) {
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).not.toContain('Demo Atlas');
      expect(text).not.toContain('Demo Breeze');
    }
    await host.screenshot({ path: path.join(ARTIFACTS, 'session-host-voting.png') });
    await phones[0]!.screenshot({ path: path.join(ARTIFACTS, 'session-phone-voted.png') });

    await host.getByTestId('host-close').click();
    await host.getByTestId('host-reveal').waitFor();
    for (const phone of phones) {
      const reveal = phone.getByTestId('phone-reveal');
      await reveal.waitFor();
      expect(await reveal.textContent()).toMatch(/Demo (Atlas|Breeze)/);
    }
    await host.screenshot({ path: path.join(ARTIFACTS, 'session-host-revealed.png') });
    await phones[0]!.screenshot({ path: path.join(ARTIFACTS, 'session-phone-1-revealed.png') });
    await phones[1]!.screenshot({ path: path.join(ARTIFACTS, 'session-phone-2-revealed.png') });

    // The summary page lists the battle and ranks both models by the room's votes.
    const sessionUrl = new URL(host.url());
    await host.goto(`${arena.url}/session/summary/?id=${sessionUrl.searchParams.get('id')}`);
    await host.getByTestId('session-board').waitFor();
    expect(await host.getByTestId('session-board').locator('tbody tr').count()).toBe(2);
    await host.screenshot({ path: path.join(ARTIFACTS, 'session-summary.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('a host who lets each person in: the phone waits, watches, and votes once let in', async () => {
    const host = await openPage(browser, errors, 'approving host', PROJECTOR);
    await host.goto(`${arena.url}/session/`);
    await host.getByTestId('session-title').fill('Careful meetup');
    await host.getByTestId('session-approve').check();
    await host.getByTestId('session-create').click();
    await host.getByTestId('host-view').waitFor();
    const code = (await host.getByTestId('join-code-shown').textContent())?.trim() ?? '';

    const phone = await openPage(browser, errors, 'waiting phone', PHONE);
    await phone.goto(`${arena.url}/session/play/?code=${code}`);
    await phone.getByTestId('play-nickname').fill('newcomer');
    await phone.getByTestId('play-join').click();
    await phone.getByTestId('admission-waiting').waitFor();
    // The host hears of it live, without a reload, and sees who waits.
    await host.getByTestId('admission-queue').filter({ hasText: '1 person is waiting' }).waitFor();
    await host.getByRole('button', { name: 'See who' }).click();
    await host.getByTestId('roster-waiting').filter({ hasText: 'newcomer' }).waitFor();
    await host.screenshot({ path: path.join(ARTIFACTS, 'session-host-waiting.png') });
    await phone.screenshot({ path: path.join(ARTIFACTS, 'session-phone-waiting.png') });

    await host.getByTestId('host-prompt').fill('Print hello');
    await host.getByTestId('host-start').click();
    await phone.getByTestId('phone-prompt').filter({ hasText: 'Print hello' }).waitFor();
    await phone.getByTestId('phone-vote-hint').filter({ hasText: 'once the host lets you in' }).waitFor();
    expect(await phone.getByTestId('phone-vote-model_a').isDisabled()).toBe(true);

    await host.getByTestId('admit-all').click();
    await phone.getByTestId('admission-waiting').waitFor({ state: 'detached' });
    await host.getByTestId('participants').filter({ hasText: '1' }).waitFor();
    await phone.getByTestId('phone-vote-model_a').and(phone.locator(':enabled')).waitFor({ timeout: 60_000 });
    await phone.getByTestId('phone-vote-tie').click();
    await phone.getByTestId('phone-vote-hint').filter({ hasText: 'Vote counted' }).waitFor();
    await host.locator('[data-testid="tally"][data-voters="1"]').waitFor();
    expect(errors).toEqual([]);
  });
});
