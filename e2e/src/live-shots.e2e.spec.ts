import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, axeViolations, launchChromium, openPage } from './browser.js';

/**
 * The pictures the arena takes of live apps and displays, in a battle's history (issue 17 item 1): the
 * creator re-runs one side as a Flask app and the other as a PyGame game; each run's card offers the
 * screenshot the server took (the app's page at 1024×768, the display's 800×600 screen), and a fresh page of
 * the voted battle shows both, at 1440×900, 1920×1080 and 390×844 (artifacts live-shots-*.png).
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

const GAME = `import sys
import pygame
pygame.init()
screen = pygame.display.set_mode((640, 480))
font = pygame.font.Font(None, 48)
started = False
clock = pygame.time.Clock()
while True:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            sys.exit(0)
        if event.type == pygame.KEYDOWN and event.key == pygame.K_SPACE:
            started = True
    screen.fill((30, 160, 60) if started else (0, 0, 0))
    pygame.draw.circle(screen, (250, 220, 40), (320, 260), 50)
    screen.blit(font.render('Score: 3' if started else 'Press SPACE', True, (255, 255, 255)), (20, 20))
    pygame.display.flip()
    clock.tick(30)
`;

/** A Flask page (an edited Python side that imports Streamlit runs bare, not as an app: its environment stays python). */
const APP = `from flask import Flask
app = Flask(__name__)

@app.route('/')
def index():
    rows = ''.join(f'<tr><td>{n}</td><td>{n * n}</td></tr>' for n in range(1, 9))
    return ('<body style="font:20px sans-serif;background:#f4f1ea;margin:40px">'
            '<h1 style="color:#7c2d12">Squares</h1><table border="1" cellpadding="8">' + rows + '</table></body>')

app.run(host='127.0.0.1', port=8000)
`;

/** The run's screenshot, opened, once its picture has loaded: its natural size. */
async function pictureOf(run: Locator): Promise<[number, number]> {
  const shot = run.getByTestId('run-screenshot');
  await shot.waitFor({ timeout: 90_000 }).catch(async (err: unknown) => {
    throw new Error(`no screenshot on the run's card; the card says: ${await run.textContent()}`, { cause: err });
  });
  if ((await shot.getAttribute('open')) === null) await shot.locator('summary').click();
  const img = shot.locator('img');
  await expect
    .poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth), { timeout: 20_000 })
    .toBeGreaterThan(0);
  return img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight] as [number, number]);
}

describe('screenshots of live apps and displays in the battle history', () => {
  let arena: ArenaProcess;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    database = await freshPostgresDatabase('live_shots_e2e');
    arena = await startArenaProcess(MODELS, { DATABASE_URL: database.url });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
    await database?.drop();
  });

  it("shows each app's and display's screenshot on its run's card, live and in the stored battle", async () => {
    const creator: Page = await openPage(browser, errors, 'creator', { width: 1440, height: 900 });
    await creator.goto(arena.url);
    await creator.getByTestId('prompt-input').fill('Something to look at');
    await creator.getByTestId('start-battle').click();
    await creator.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 60_000 });
    const battleId = new URL(creator.url()).searchParams.get('id') ?? '';
    expect(battleId).not.toBe('');

    for (const [side, code] of [
      ['a', GAME],
      ['b', APP],
    ] as const) {
      const pane = creator.getByTestId(`pane-${side}`);
      await pane.getByTestId(`edit-${side}`).click();
      await pane.getByTestId(`code-${side}`).fill(code);
      await pane.getByTestId(`run-${side}`).click();
    }
    // Run 2 of each side is the live program; its card gets the server's picture.
    const second = (page: Page, side: 'a' | 'b') =>
      page.getByTestId(`pane-${side}`).locator('[data-testid="run-output"][data-run="2"]');
    expect(await pictureOf(second(creator, 'a'))).toEqual([800, 600]);
    expect(await pictureOf(second(creator, 'b'))).toEqual([1024, 768]);

    await creator.getByTestId('vote-tie').click();
    await creator.getByTestId('model-a').waitFor({ timeout: 30_000 });

    // The stored battle, opened afresh: both pictures are there.
    const history = await openPage(browser, errors, 'history', { width: 1440, height: 900 });
    await history.goto(`${arena.url}/battle/?id=${battleId}`);
    expect(await pictureOf(second(history, 'a'))).toEqual([800, 600]);
    expect(await pictureOf(second(history, 'b'))).toEqual([1024, 768]);
    for (const [name, viewport] of [
      ['live-shots-1440', { width: 1440, height: 900 }],
      ['live-shots-1920', { width: 1920, height: 1080 }],
      ['live-shots-390', { width: 390, height: 844 }],
    ] as const) {
      await history.setViewportSize(viewport);
      for (const side of ['a', 'b'] as const) {
        await second(history, side).getByTestId('run-screenshot').scrollIntoViewIfNeeded();
        await history.screenshot({ path: path.join(ARTIFACTS, `${name}-${side}.png`) });
      }
    }
    expect(await axeViolations(history)).toEqual([]);
    expect(errors).toEqual([]);
  }, 300_000);
});
