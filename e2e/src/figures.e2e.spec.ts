import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData, startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, launchChromium, openPage } from './browser.js';

/**
 * Matplotlib figures in the run pane (issue 17 item 2): two recorded Arena-Hard answers to "convert the data into
 * a chart using matplotlib" (9c6e43a6…), replayed. gpt-4-0613's program draws a bar chart and gpt-4-0314's a line
 * chart, each with `plt.show()`, in Docker containers; each side's run pane shows its chart inline in the run's
 * output, loaded from the arena, for the voter and a phone-sized spectator alike.
 */
const data = sharedData('Matplotlib figures in the browser', ['arena-hard-v0.1']);
const QUESTION = 'act as python code generator and given the data, convert it into the chart using matplotlib.';

function replay(model: string): Record<string, unknown> {
  const hard = path.join(data.dir, 'arena-hard-v0.1');
  return {
    id: `replay-${model}`,
    name: `${model} (replay)`,
    provider: 'replay',
    answersFile: path.join(hard, 'model_answer', `${model}.jsonl`),
    questionsFile: path.join(hard, 'question.jsonl'),
    tokensPerSecond: 2_000,
  };
}

describe.skipIf(data.missing)('figures in the run pane', () => {
  let arena: ArenaProcess;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    arena = await startArenaProcess([replay('gpt-4-0613'), replay('gpt-4-0314')], {
      ARENA_RUN_CPU_MS: '20000',
      ARENA_RUN_WALL_MS: '60000',
      ARENA_RUN_MEMORY_MB: '512',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
  });

  it("shows each recorded answer's chart inline in its run output, for the voter and a spectator", async () => {
    const voter = await openPage(browser, errors, 'voter', { width: 1440, height: 900 });
    await voter.goto(arena.url);
    await voter.getByTestId('prompt-input').fill(QUESTION);
    await voter.getByTestId('start-battle').click();
    await voter.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 120_000 });

    // One figure in each side's pane, inside its run's console, loaded (a real PNG from the arena).
    for (const side of ['a', 'b']) {
      const figure = voter
        .getByTestId(`pane-${side}`)
        .getByTestId('run-output')
        .locator('.console')
        .getByTestId('run-figure');
      await expect.poll(() => figure.count(), { timeout: 30_000 }).toBe(1);
      const image = figure.locator('img');
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(640);
      expect(await image.getAttribute('alt')).toBe('Figure 1 drawn by run 1');
    }
    await voter.getByTestId('run-figure').first().scrollIntoViewIfNeeded();
    await voter.screenshot({ path: path.join(ARTIFACTS, 'figures-voter-1440.png') });

    // A spectator on a phone sees the same figure, no wider than the screen.
    const battleUrl = voter.url();
    const phone = await openPage(browser, errors, 'phone', { width: 390, height: 844 });
    await phone.goto(battleUrl);
    const onPhone = phone.getByTestId('run-figure').first().locator('img');
    await expect
      .poll(() => onPhone.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 30_000 })
      .toBe(640);
    const box = (await onPhone.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    await onPhone.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: path.join(ARTIFACTS, 'figures-phone-390.png') });
    expect(errors).toEqual([]);
  });
});
