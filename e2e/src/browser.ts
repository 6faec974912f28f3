import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '@arena/testkit';

/** Where the browser tests save their screenshots. */
export const ARTIFACTS = path.join(REPO_ROOT, 'e2e/artifacts');

/**
 * A page in a fresh browser context (its own storage, so its own voter) whose uncaught errors are
 * collected in `errors` under the name `who`. `colorScheme` is the system setting the page sees.
 */
export async function openPage(
  browser: Browser,
  errors: string[],
  who: string,
  viewport: { width: number; height: number },
  options: { colorScheme?: 'dark' | 'light' } = {},
): Promise<Page> {
  const page = await (await browser.newContext({ viewport, ...options })).newPage();
  page.on('pageerror', (error) => errors.push(`${who}: ${error.message}`));
  return page;
}

/** The system Chromium (Debian's package); no browser download happens here. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is now, each with the elements it names. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object,
          ) => Promise<{
            violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  });
}
