import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  ARENA_NAMESPACE,
  PROTOCOL_VERSION,
  type AdminModel,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@arena/contracts';
import { startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, axeViolations, launchChromium, openPage } from './browser.js';

const TOKEN = 'e2e-admin-token-8c41f0d2a7';
const MODELS = ['typescript', 'javascript', 'python'].map((style, i) => ({
  id: `demo-${['atlas', 'breeze', 'cobalt'][i]}`,
  name: `Demo ${['Atlas', 'Breeze', 'Cobalt'][i]}`,
  provider: 'demo',
  style,
  tokensPerSecond: 400,
}));
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

type ArenaSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A battle started over the socket, as any client would, left open for its vote. */
async function startBattle(url: string, prompt: string): Promise<{ socket: ArenaSocket; battleId: string }> {
  const socket: ArenaSocket = io(`${url}${ARENA_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { protocol: PROTOCOL_VERSION },
    forceNew: true,
    reconnection: false,
  });
  const created = await socket.emitWithAck('battle:create', { prompt });
  if (!created.ok) throw new Error(created.error.message);
  return { socket, battleId: created.battleId };
}

async function adminModels(url: string): Promise<AdminModel[]> {
  const response = await fetch(`${url}/api/admin/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await response.json()) as AdminModel[];
}

/** Nothing on the page is wider than the viewport (a phone scrolls down, never sideways). */
async function widest(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

describe('the admin page in the browser', () => {
  let arena: ArenaProcess;
  let browser: Browser;
  const errors: string[] = [];
  const sockets: ArenaSocket[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    arena = await startArenaProcess(MODELS, {
      DOCKER_HOSTS: 'none',
      ARENA_PYODIDE: 'off',
      ARENA_ADMIN_TOKEN: TOKEN,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await browser?.close();
    await arena?.stop();
  });

  it('signs in with the token, disables a model and hides a battle, on a desktop and on a phone', async () => {
    const first = await startBattle(arena.url, 'Print hello from the admin test');
    sockets.push(first.socket);
    const page = await openPage(browser, errors, 'admin desktop', DESKTOP);
    await page.goto(`${arena.url}/admin/`);
    expect(await page.title()).toContain('Admin');

    // A wrong token is refused and not kept.
    const tokenField = page.getByLabel('Admin token');
    await tokenField.fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the admin token' }).waitFor();
    expect(await page.evaluate(() => window.sessionStorage.getItem('arena.adminToken'))).toBeNull();

    await tokenField.fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Models' }).waitFor();
    expect(await page.evaluate(() => window.sessionStorage.getItem('arena.adminToken'))).toBe(TOKEN);
    expect(await page.evaluate(() => window.localStorage.getItem('arena.adminToken'))).toBeNull();
    await page.getByTestId('admin-model-demo-cobalt').waitFor();

    // Disable a model: the server says so at once, and the page shows it.
    const cobalt = page.getByRole('checkbox', { name: 'Enabled: Demo Cobalt' });
    expect(await cobalt.isChecked()).toBe(true);
    await cobalt.click();
    await page.getByTestId('admin-status').filter({ hasText: 'Demo Cobalt disabled.' }).waitFor();
    expect((await adminModels(arena.url)).find((m) => m.id === 'demo-cobalt')?.enabled).toBe(false);
    await expect.poll(() => cobalt.isChecked()).toBe(false);
    // Two models left: the next one is refused with the server's reason.
    await page.getByRole('checkbox', { name: 'Enabled: Demo Atlas' }).click();
    await page.getByRole('alert').filter({ hasText: 'at least two models must stay enabled' }).waitFor();
    expect((await adminModels(arena.url)).filter((m) => m.enabled).map((m) => m.id)).toEqual([
      'demo-atlas',
      'demo-breeze',
    ]);

    // Hide the battle by its id.
    expect((await fetch(`${arena.url}/api/battles/${first.battleId}`)).status).toBe(200);
    await page.getByLabel('Battle id to hide').fill(first.battleId);
    await page.getByRole('button', { name: 'Hide the battle' }).click();
    await page
      .getByTestId('admin-status')
      .filter({ hasText: `Battle ${first.battleId} hidden.` })
      .waitFor();
    expect((await fetch(`${arena.url}/api/battles/${first.battleId}`)).status).toBe(404);
    await page.getByRole('button', { name: 'Refresh' }).first().click();
    await expect.poll(async () => page.getByTestId('admin-load').textContent()).toContain('Hidden battles1');

    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-1440.png'), fullPage: true });
    expect(await widest(page)).toBeLessThanOrEqual(DESKTOP.width);
    expect(await axeViolations(page)).toEqual([]);

    // On a phone, in a new tab: the token is asked for again (it was kept in the other tab only).
    const phone = await openPage(browser, errors, 'admin phone', PHONE);
    await phone.goto(`${arena.url}/admin/`);
    await phone.getByLabel('Admin token').fill(TOKEN);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByTestId('admin-model-demo-cobalt').waitFor();
    expect(await phone.getByRole('checkbox', { name: 'Enabled: Demo Cobalt' }).isChecked()).toBe(false);
    await phone.getByRole('checkbox', { name: 'Enabled: Demo Cobalt' }).click();
    await phone.getByTestId('admin-status').filter({ hasText: 'Demo Cobalt enabled.' }).waitFor();
    const second = await startBattle(arena.url, 'Print goodbye from the admin test');
    sockets.push(second.socket);
    await phone.getByLabel('Battle id to hide').fill(second.battleId);
    await phone.getByRole('button', { name: 'Hide the battle' }).click();
    await phone
      .getByTestId('admin-status')
      .filter({ hasText: `Battle ${second.battleId} hidden.` })
      .waitFor();
    expect((await fetch(`${arena.url}/api/battles/${second.battleId}`)).status).toBe(404);
    // A mistake is undone from the same form.
    await phone.getByLabel('Battle id to hide').fill(second.battleId);
    await phone.getByRole('button', { name: 'Show it again' }).click();
    await phone
      .getByTestId('admin-status')
      .filter({ hasText: `Battle ${second.battleId} is shown again.` })
      .waitFor();
    expect((await fetch(`${arena.url}/api/battles/${second.battleId}`)).status).toBe(200);
    expect(await widest(phone)).toBeLessThanOrEqual(PHONE.width);
    expect(await axeViolations(phone)).toEqual([]);
    await phone.screenshot({ path: path.join(ARTIFACTS, 'admin-390.png'), fullPage: true });
    // Each section alone, at the phone's width, to read it closely.
    for (const name of ['Live load', 'Models', 'Add a model', 'Moderation'])
      await phone
        .getByRole('region', { name })
        .screenshot({ path: path.join(ARTIFACTS, `admin-390-${name.toLowerCase().replace(/ /g, '-')}.png`) });

    // Signing out forgets the token.
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.getByLabel('Admin token').waitFor();
    expect(await phone.evaluate(() => window.sessionStorage.getItem('arena.adminToken'))).toBeNull();
    expect(errors).toEqual([]);
  });
});
