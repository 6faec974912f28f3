import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, axeViolations, launchChromium, openPage } from './browser.js';

/**
 * A PyGame program's virtual display in Chromium (issue 16): the battle's creator re-runs a side as a PyGame
 * program; its display's first frame shows in the creator's pane and in a spectator's without a click, a key
 * the spectator presses changes nothing, the creator's Space reaches the program (the screen turns green for
 * both). Through the arena's own app proxy, on a real container of the sandbox image.
 */
const MODELS = [
  {
    id: 'demo-cobalt',
    name: 'Demo Cobalt (scripted, Python)',
    provider: 'demo',
    style: 'python',
    tokensPerSecond: 400,
  },
  { id: 'demo-dune', name: 'Demo Dune (scripted, Python)', provider: 'demo', style: 'python', tokensPerSecond: 400 },
];
const DESKTOP = { width: 1440, height: 900 };

/** Red until Space, then green; a title in the middle so the screenshot shows a real frame. */
const GAME = `import sys
import pygame
pygame.init()
screen = pygame.display.set_mode((800, 600))
pygame.display.set_caption('arena display')
font = pygame.font.Font(None, 64)
color = (200, 30, 30)
clock = pygame.time.Clock()
while True:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            sys.exit(0)
        if event.type == pygame.KEYDOWN and event.key == pygame.K_SPACE:
            color = (30, 200, 30)
            print('space pressed', flush=True)
    screen.fill(color)
    screen.blit(font.render('press space', True, (255, 255, 255)), (260, 60))
    pygame.display.flip()
    clock.tick(30)
`;

/** The colour noVNC drew at the display's centre (its canvas holds the framebuffer at 800x600). */
function centre(display: Locator): Promise<number[]> {
  return display.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext('2d');
    if (!context || canvas.width < 10) return [];
    return [...context.getImageData(Math.floor(canvas.width / 2), Math.floor(canvas.height / 2), 1, 1).data].slice(
      0,
      3,
    );
  });
}

describe('a PyGame display in the browser', () => {
  let arena: ArenaProcess;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // PostgreSQL on the machine rather than the embedded one (which takes a minute to start on a busy machine).
    database = await freshPostgresDatabase('display_e2e');
    arena = await startArenaProcess(MODELS, { ARENA_APP_TTL_MS: '20000', DATABASE_URL: database.url });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
    await database?.drop();
  });

  it("shows the first frame to everyone, takes the creator's keys and ignores a spectator's", async () => {
    const creator: Page = await openPage(browser, errors, 'creator', DESKTOP);
    await creator.goto(arena.url);
    await creator.getByTestId('prompt-input').fill('Write a tiny game');
    await creator.getByTestId('start-battle').click();
    await creator.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 60_000 });
    const battleId = new URL(creator.url()).searchParams.get('id') ?? '';
    expect(battleId).not.toBe('');

    const pane = creator.getByTestId('pane-a');
    await pane.getByTestId('edit-a').click();
    await pane.getByTestId('code-a').fill(GAME);
    await pane.getByTestId('run-a').click();
    const display = pane.locator('[data-testid="run-display"]');
    await display.locator('canvas').waitFor({ timeout: 90_000 });
    await expect.poll(() => display.getAttribute('data-phase'), { timeout: 30_000 }).toBe('live');
    expect(await display.getAttribute('data-controls')).toBe('true');
    // The pane says what the program is, and when its display stops at the latest.
    expect(await pane.getByTestId('code-kind').textContent()).toBe('PyGame');
    expect(await display.getByTestId('run-display-expires').textContent()).toMatch(/stops at .*\d{2}.* at the latest$/);
    // The first frame, with nobody having clicked anything.
    await expect.poll(() => centre(display), { timeout: 20_000 }).toEqual([200, 30, 30]);

    const spectator = await openPage(browser, errors, 'spectator', DESKTOP);
    await spectator.goto(`${arena.url}/battle/?id=${battleId}`);
    const watched = spectator.getByTestId('pane-a').locator('[data-testid="run-display"]');
    await expect.poll(() => watched.getAttribute('data-phase'), { timeout: 30_000 }).toBe('live');
    expect(await watched.getAttribute('data-controls')).toBe('false');
    await expect.poll(() => centre(watched), { timeout: 20_000 }).toEqual([200, 30, 30]);
    await creator.screenshot({ path: path.join(ARTIFACTS, 'display-creator-1440.png') });

    // The spectator clicks the display and presses Space: nothing changes.
    await watched.locator('canvas').click();
    await spectator.keyboard.press('Space');
    await spectator.waitForTimeout(1_500);
    expect(await centre(watched)).toEqual([200, 30, 30]);
    expect(await centre(display)).toEqual([200, 30, 30]);

    // The creator does the same: the program sees the key, and both screens turn green.
    await display.locator('canvas').click();
    await creator.keyboard.press('Space');
    await expect.poll(() => centre(display), { timeout: 15_000 }).toEqual([30, 200, 30]);
    await expect.poll(() => centre(watched), { timeout: 15_000 }).toEqual([30, 200, 30]);

    for (const [name, viewport, scheme] of [
      ['display-1440-light', { width: 1440, height: 900 }, 'light'],
      ['display-1600-dark', { width: 1600, height: 900 }, 'dark'],
      ['display-390-light', { width: 390, height: 844 }, 'light'],
    ] as const) {
      await spectator.setViewportSize(viewport);
      await spectator.emulateMedia({ colorScheme: scheme });
      await watched.scrollIntoViewIfNeeded();
      await spectator.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    }
    expect(await axeViolations(spectator)).toEqual([]);
    expect(errors).toEqual([]);
  }, 240_000);
});
