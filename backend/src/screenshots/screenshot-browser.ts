import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { VENDOR_LIBRARIES, vendorBundle, type VendorLibrary } from '@arena/sandboxes';
import { createLogger } from '../logging/logger.js';

/** BigCodeReward's pictures: at most 1024×768, JPEG. */
export const SHOT_WIDTH = 1024;
export const SHOT_HEIGHT = 768;
const JPEG_QUALITY = 80;

/** A stored preview is rendered under this origin, which never reaches the network (every request is routed). */
export const PREVIEW_ORIGIN = 'http://arena-preview.invalid';

export interface Shot {
  jpeg: Buffer;
  width: number;
  height: number;
  /** The picture is all one colour (the standard deviation of its grey levels under `BLANK_STDDEV`). */
  blank: boolean;
}

/** Grey-level standard deviation (0–255) under which a picture counts as blank (JPEG noise stays well below). */
export const BLANK_STDDEV = 2;

/**
 * The grey-level standard deviation of a JPEG, measured by Chromium on a blank page (none of the rendered page's
 * code runs there), on the picture scaled to 256×192.
 */
const GREY_STDDEV = `(async (b64) => {
  const img = new Image(); img.src = 'data:image/jpeg;base64,' + b64; await img.decode();
  const c = document.createElement('canvas'); c.width = 256; c.height = 192;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0, 256, 192);
  const d = g.getImageData(0, 0, 256, 192).data; let s = 0, s2 = 0;
  for (let i = 0; i < d.length; i += 4) { const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; s += y; s2 += y * y; }
  const n = d.length / 4, m = s / n; return Math.sqrt(Math.max(0, s2 / n - m * m));
})`;

export interface ShotOptions {
  /**
   * Games wait for input: click the middle of the page's largest canvas and press a key first (what
   * BigCodeArena does before it screenshots a PyGame display).
   */
  clickCanvas?: boolean;
  /** How long the page may draw after it loaded, before the picture is taken. */
  settleMs?: number;
  /**
   * A live app's page draws after it loaded (Streamlit and Gradio fetch and render over a WebSocket): wait for
   * the network to go quiet and the page to stop changing for `QUIET_MS`, within the shot's budget.
   */
  quiet?: boolean;
}

/** How long a live app's page must not change before its picture is taken. */
export const QUIET_MS = 700;
/** The longest a live app's page is watched for quiet (an animated page never is): the picture is taken then. */
const QUIET_MAX_MS = 8_000;

/** Resolves once the page's DOM has not changed for `quietMs` (or after `maxMs`), measured in the page. */
const DOM_QUIET = `((quietMs, maxMs) => new Promise((resolve) => {
  let timer = setTimeout(done, quietMs);
  const cap = setTimeout(done, maxMs);
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quietMs); });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  function done() { observer.disconnect(); clearTimeout(timer); clearTimeout(cap); resolve(true); }
}))`;

/** Run first in every document of a shot's context: the network APIs that page and context routes cannot see. */
const NO_UNROUTED_NETWORK = `for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'WebTransport']) {
  try { delete globalThis[name]; } catch {}
}`;

export interface ScreenshotBrowserOptions {
  /** The Chromium binary (Debian's `/usr/bin/chromium`). */
  executablePath: string;
  /** Shots taken at once; the rest wait in line. */
  inFlight: number;
  /** The most one shot may take, waiting in line excluded; past it the shot fails and its page is thrown away. */
  budgetMs: number;
  /** Shots that may wait in line; past it a new one fails at once (pictures are evidence, not a duty). */
  maxQueued?: number;
}

export class ShotError extends Error {}

/**
 * One headless Chromium the arena drives for its pictures: launched on the first shot, a few pages kept
 * ready (each in a context of its own, so one page's storage never meets another's), a bounded number of
 * shots at once and a time budget for each. Everything happens in the browser's processes; this process
 * only waits on a pipe, so a slow page never holds a battle up.
 */
export class ScreenshotBrowser {
  private readonly logger = createLogger(ScreenshotBrowser.name);
  private browser: Promise<Browser> | undefined;
  private readonly idle: Page[] = [];
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: ScreenshotBrowserOptions) {}

  /** A stored preview page, served as `GET /api/runs/:runId/preview` serves it: `csp` is its policy header. */
  shootHtml(html: string, csp: (origin: string) => string, options: ShotOptions = {}): Promise<Shot> {
    return this.shoot(options, async (page) => {
      await page.route('**/*', (route) => fulfilPreview(route, html, csp(PREVIEW_ORIGIN)));
      await page.goto(`${PREVIEW_ORIGIN}/preview`, { waitUntil: 'load' });
    });
  }

  /**
   * A live app's page, by its full URL. The page reaches its own origin only, over HTTP and WebSocket: this
   * browser runs on the arena's host, where an app's script must reach neither the arena, its database and
   * Redis, nor the internet (the app's container has no route there; this browser would be one). The page is
   * not reused after (its WebSocket route stays with it).
   */
  shootUrl(url: string, options: ShotOptions = {}): Promise<Shot> {
    const origin = new URL(url).origin;
    return this.shoot(
      options,
      async (page) => {
        await page.route('**/*', (route) =>
          new URL(route.request().url()).origin === origin ? route.continue() : route.abort('blockedbyclient'),
        );
        await page.routeWebSocket(
          () => true,
          async (socket) => {
            const target = new URL(socket.url());
            target.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
            if (target.origin === origin) socket.connectToServer();
            else await socket.close({ code: 1008, reason: 'only the app itself is reachable' });
          },
        );
        await page.goto(url, { waitUntil: 'load' });
      },
      false,
    );
  }

  /** A picture the program drew (a PNG figure), fitted into 1024×768 with its proportions kept. */
  shootImage(png: Buffer, size: { width: number; height: number }, options: ShotOptions = {}): Promise<Shot> {
    const scale = Math.min(1, SHOT_WIDTH / Math.max(1, size.width), SHOT_HEIGHT / Math.max(1, size.height));
    const width = Math.max(1, Math.round(size.width * scale));
    const height = Math.max(1, Math.round(size.height * scale));
    const html =
      `<!doctype html><html><body style="margin:0;background:#fff">` +
      `<img alt="" style="display:block;width:${width}px;height:${height}px" src="data:image/png;base64,${png.toString('base64')}">` +
      `</body></html>`;
    return this.shoot({ settleMs: 0, ...options }, async (page) => {
      await page.setViewportSize({ width, height });
      await page.route('**/*', (route) =>
        route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
      );
      await page.goto(`${PREVIEW_ORIGIN}/figure`, { waitUntil: 'load' });
    });
  }

  /** Shots being taken and waiting, for tests and metrics. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    const browser = this.browser;
    this.browser = undefined;
    this.idle.length = 0;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }

  /** `reuse`: the page may go back to the pool after (not when its load left routes that outlive `unrouteAll`). */
  private async shoot(options: ShotOptions, load: (page: Page) => Promise<void>, reuse = true): Promise<Shot> {
    if (this.closed) throw new ShotError('the screenshot browser is closed');
    await this.slot();
    let page: Page | undefined;
    let timer: NodeJS.Timeout | undefined;
    let healthy = false;
    try {
      page = await this.page();
      const taken = page;
      const attempt = async (): Promise<Shot> => {
        await load(taken);
        if (options.quiet) await waitQuiet(taken);
        if (options.clickCanvas) await clickCanvas(taken);
        const settle = options.settleMs ?? 400;
        if (settle > 0) await taken.waitForTimeout(settle);
        const viewport = taken.viewportSize() ?? { width: SHOT_WIDTH, height: SHOT_HEIGHT };
        const jpeg = await taken.screenshot({ type: 'jpeg', quality: JPEG_QUALITY, animations: 'disabled' });
        await taken.unrouteAll({ behavior: 'ignoreErrors' });
        await taken.goto('about:blank');
        const stddev = await taken.evaluate<number>(`${GREY_STDDEV}(${JSON.stringify(jpeg.toString('base64'))})`);
        return { jpeg, width: viewport.width, height: viewport.height, blank: stddev < BLANK_STDDEV };
      };
      const work = (async (): Promise<Shot> => {
        let shot = await attempt();
        // A live app's page that came out blank is loaded again (twice at most, within the budget): on the Docker
        // host this browser runs on, a new app network's interfaces coming up fail a page's loads mid-way
        // (ERR_NETWORK_CHANGED) and leave it white; a page that is blank on its own stays blank.
        for (let again = 1; shot.blank && options.quiet && again <= 2; again++) shot = await attempt();
        return shot;
      })();
      const budget = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ShotError(`the shot took longer than ${this.options.budgetMs} ms`)),
          this.options.budgetMs,
        );
      });
      work.catch(() => undefined);
      const shot = await Promise.race([work, budget]);
      healthy = true;
      return shot;
    } finally {
      clearTimeout(timer);
      if (page) await this.release(page, healthy && reuse);
      this.free();
    }
  }

  private async slot(): Promise<void> {
    if (this.running < this.options.inFlight) {
      this.running += 1;
      return;
    }
    if (this.waiting.length >= (this.options.maxQueued ?? this.options.inFlight * 16))
      throw new ShotError('too many screenshots waiting');
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next in line, or gives it back. */
  private free(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }

  private async page(): Promise<Page> {
    const ready = this.idle.pop();
    if (ready && !ready.isClosed()) return ready;
    const browser = await this.launch();
    const context: BrowserContext = await browser.newContext({
      viewport: { width: SHOT_WIDTH, height: SHOT_HEIGHT },
      javaScriptEnabled: true,
      serviceWorkers: 'block',
      acceptDownloads: false,
    });
    // A page's routes do not apply to its popups (window.open, target=_blank), which would reach the arena's host
    // unrouted and outlive the shot in a reused page: every request no page route answered is aborted, every
    // WebSocket no page route took is closed, and any page but the first is closed as it opens.
    await context.route('**/*', (route) => route.abort('blockedbyclient'));
    await context.routeWebSocket(
      () => true,
      (socket) => socket.close({ code: 1008, reason: 'popups reach nothing' }),
    );
    // WebRTC (STUN and TURN) and WebTransport open connections that no route sees: a page's STUN requests reached
    // the host's loopback (UDP) and TURN over TCP any port there. Every document of the context goes without them.
    await context.addInitScript(NO_UNROUTED_NETWORK);
    const page = await context.newPage();
    context.on('page', (popup) => {
      if (popup !== page) popup.close().catch(() => undefined);
    });
    return page;
  }

  /** A page that finished its shot goes back to the pool, blanked; one that failed is closed with its context. */
  private async release(page: Page, healthy: boolean): Promise<void> {
    try {
      if (healthy && !this.closed && this.idle.length < this.options.inFlight) {
        await page.unrouteAll({ behavior: 'ignoreErrors' });
        await page.goto('about:blank');
        await page.setViewportSize({ width: SHOT_WIDTH, height: SHOT_HEIGHT });
        this.idle.push(page);
        return;
      }
      await page.context().close();
    } catch (err) {
      this.logger.debug({ err }, 'a screenshot page could not be reused');
      await page
        .context()
        .close()
        .catch(() => undefined);
    }
  }

  private launch(): Promise<Browser> {
    if (!this.browser) {
      const launching = chromium.launch({
        executablePath: this.options.executablePath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-dev-shm-usage',
          '--mute-audio',
          // A shared worker's requests pass no page's or context's route: a page's one reached the arena's host.
          '--disable-shared-workers',
        ],
      });
      this.browser = launching;
      launching.then(
        (browser) => {
          this.logger.info({ version: browser.version() }, 'screenshot browser started');
          browser.on('disconnected', () => {
            if (this.browser === launching) this.browser = undefined;
            this.idle.length = 0;
          });
        },
        (err: unknown) => {
          this.logger.error({ err, executablePath: this.options.executablePath }, 'screenshot browser not started');
          if (this.browser === launching) this.browser = undefined;
        },
      );
    }
    return this.browser;
  }
}

/** The preview page under its policy, the arena's vendor bundles, and nothing else. */
async function fulfilPreview(route: Route, html: string, csp: string): Promise<void> {
  const url = new URL(route.request().url());
  if (url.origin === PREVIEW_ORIGIN && url.pathname === '/preview') {
    await route.fulfill({
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp },
      body: html,
    });
    return;
  }
  const asset = /^\/api\/sandbox\/assets\/([a-z]+)\.js$/.exec(url.pathname)?.[1];
  if (url.origin === PREVIEW_ORIGIN && asset && (VENDOR_LIBRARIES as readonly string[]).includes(asset)) {
    await route.fulfill({
      status: 200,
      contentType: 'text/javascript; charset=utf-8',
      body: await vendorBundle(asset as VendorLibrary),
    });
    return;
  }
  await route.abort('blockedbyclient');
}

async function clickCanvas(page: Page): Promise<void> {
  let best: { x: number; y: number; area: number } | undefined;
  for (const canvas of await page.locator('canvas').all()) {
    const box = await canvas.boundingBox();
    const area = box ? box.width * box.height : 0;
    if (box && area > 0 && (!best || area > best.area))
      best = { x: box.x + box.width / 2, y: box.y + box.height / 2, area };
  }
  const { width, height } = page.viewportSize() ?? { width: SHOT_WIDTH, height: SHOT_HEIGHT };
  await page.mouse.click(best?.x ?? width / 2, best?.y ?? height / 2);
  await page.keyboard.press('Space');
}

/** The network idle (as Playwright counts it, WebSockets aside) and then the page's DOM still for `QUIET_MS`. */
async function waitQuiet(page: Page): Promise<void> {
  const started = Date.now();
  await page.waitForLoadState('networkidle', { timeout: QUIET_MAX_MS }).catch(() => undefined);
  const left = Math.max(QUIET_MS, QUIET_MAX_MS - (Date.now() - started));
  await page.evaluate(`${DOM_QUIET}(${QUIET_MS}, ${left})`);
}
