import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArenaProcess, type Proc as ArenaProcess } from '@arena/testkit';
import { ARTIFACTS, launchChromium, openPage } from './browser.js';

/** A React answer (a web preview) against a Python answer (run in a Docker container). */
const MODELS = [
  { id: 'demo-ember', name: 'Demo Ember (scripted, React)', provider: 'demo', style: 'react', tokensPerSecond: 400 },
  {
    id: 'demo-cobalt',
    name: 'Demo Cobalt (scripted, Python)',
    provider: 'demo',
    style: 'python',
    tokensPerSecond: 400,
  },
];

describe('web previews and edited re-runs in the browser', () => {
  let arena: ArenaProcess;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    arena = await startArenaProcess(MODELS);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
  });

  it('renders the React answer in a sandboxed iframe, brings its console back, and re-runs edited Python with stdin', async () => {
    const voter = await openPage(browser, errors, 'voter', { width: 1440, height: 1100 });
    await voter.goto(arena.url);
    await voter.getByTestId('prompt-input').fill('Count the words of this request');
    await voter.getByTestId('start-battle').click();
    await voter.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 60_000 });

    const frameElement = voter.getByTestId('run-preview');
    await frameElement.waitFor();
    const reactPane = voter.locator('[data-testid^="pane-"]', { has: frameElement });
    // Scripts only: an opaque origin, never allow-same-origin.
    expect(await frameElement.getAttribute('sandbox')).toBe('allow-scripts');
    const frame = voter.frameLocator('[data-testid="run-preview"]');
    await frame.getByText('Your request has 6 words').waitFor({ timeout: 15_000 });
    await frame.getByTestId('counter').click();
    await frame.getByText('clicked 1 times').waitFor();
    // The preview's console.log went to the server and came back as run output.
    const output = reactPane.getByTestId('run-output');
    await expect.poll(() => output.textContent(), { timeout: 10_000 }).toContain('preview mounted with 6 words');
    await expect.poll(() => output.textContent(), { timeout: 10_000 }).toContain('clicked 1');

    // The Python side: edit the code and run it again with stdin; the run happens in a Docker container.
    const pythonPane = voter.locator('[data-testid^="pane-"]', { hasNot: frameElement });
    const side = (await pythonPane.getAttribute('data-testid'))!.replace('pane-', '');
    await expect
      .poll(() => pythonPane.getByTestId('run-output').first().textContent())
      .toContain('words in the request');
    await pythonPane.getByTestId(`edit-${side}`).click();
    await pythonPane
      .getByTestId(`code-${side}`)
      .fill('import sys\nnums = [int(x) for x in sys.stdin.read().split()]\nprint("sum from stdin:", sum(nums))');
    await pythonPane.getByTestId(`stdin-${side}`).fill('40 2');
    await pythonPane.getByTestId(`run-${side}`).click();
    await expect.poll(() => pythonPane.getByTestId('run-output').count(), { timeout: 10_000 }).toBe(2);
    await expect
      .poll(() => pythonPane.getByTestId('run-output').nth(1).textContent(), { timeout: 20_000 })
      .toContain('sum from stdin: 42');
    await voter.screenshot({ path: path.join(ARTIFACTS, 'battle-preview.png') });
    expect(errors).toEqual([]);
  });
});
