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

  it('contains a hostile preview: no request to the arena or anywhere, whatever its markup', async () => {
    const voter = await openPage(browser, errors, 'hostile', { width: 1440, height: 1100 });
    await voter.goto(arena.url);
    await voter.getByTestId('prompt-input').fill('Show a greeting');
    await voter.getByTestId('start-battle').click();
    await voter.locator('[data-testid="battle-status"][data-status="voting"]').waitFor({ timeout: 60_000 });
    const reactPane = voter.locator('[data-testid^="pane-"]', { has: voter.getByTestId('run-preview') });
    const side = (await reactPane.getAttribute('data-testid'))!.replace('pane-', '');
    const origin = new URL(arena.url);
    // The page tries the arena's API, its socket and an outside image; it reports what got through.
    const hostile = `import { useEffect, useState } from 'react';
export default function App() {
  const [result, setResult] = useState('probing');
  useEffect(() => {
    const seen = [];
    const done = () => seen.length === 3 && setResult(seen.sort().join(', '));
    fetch('${arena.url}/api/models').then(() => seen.push('fetch: leaked'), () => seen.push('fetch: blocked')).finally(done);
    try {
      const ws = new WebSocket('ws://${origin.host}/socket.io/?EIO=4&transport=websocket');
      ws.onopen = () => { seen.push('ws: leaked'); done(); };
      ws.onerror = () => { seen.push('ws: blocked'); done(); };
    } catch (e) { seen.push('ws: blocked'); done(); }
    const img = new Image();
    img.onload = () => { seen.push('img: leaked'); done(); };
    img.onerror = () => { seen.push('img: blocked'); done(); };
    img.src = '${arena.url}/icon.svg';
  }, []);
  return <p data-testid="probe">{result}</p>;
}`;
    await reactPane.getByTestId(`edit-${side}`).click();
    await reactPane.getByTestId(`code-${side}`).fill(hostile);
    await reactPane.getByTestId(`run-${side}`).click();
    const frame = voter.frameLocator('[data-testid="run-preview"] >> nth=-1');
    await expect
      .poll(() => frame.getByTestId('probe').textContent(), { timeout: 20_000 })
      .toBe('fetch: blocked, img: blocked, ws: blocked');
    // The page's own console reports the refusals; nothing else went wrong in the arena's page.
    expect(errors.filter((e) => !/Content Security Policy|Failed to fetch|WebSocket/i.test(e))).toEqual([]);
  });
});
