import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AutoRun } from '@arena/judge';
import { extractCode, type RunResult, type SandboxRegistry } from '@arena/sandboxes';
import type { ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { liveShotSubject } from '../screenshots/live-shot.js';
import { ScreenshotBrowser } from '../screenshots/screenshot-browser.js';
import { shootSubject, type ShotSubject } from '../screenshots/shoot-subject.js';

/** Where AutoCodeArena keeps its answers' pictures, under `--out`. */
export const SCREENSHOTS_DIR = 'screenshots';

/**
 * Waiters for a bounded number of slots, first come first served: AutoCodeArena's apps and displays wait here
 * for one of the engine's `ARENA_APPS_PER_HOST` places instead of being refused.
 */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(signal: AbortSignal): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(grant);
        if (at !== -1) this.waiting.splice(at, 1);
        reject(new Error('cancelled'));
      };
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}

/** A file name for an answer's picture: readable, unique per model and prompt. */
export function screenshotName(model: string, uid: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `${safe(model)}--${safe(uid)}.jpg`;
}

/**
 * How AutoCodeArena runs an answer: its code in the arena's sandboxes, and what it rendered photographed.
 * An app or display runs live in its container (waiting for a slot under the engine's cap), is photographed
 * once it answers (a display's first frame after a click and a key press), and is removed at once after; a web
 * preview page is photographed as stored. Pictures go to `<out>/screenshots/<model>--<uid>.jpg`.
 */
export class AutoArenaRuns {
  private readonly logger = createLogger(AutoArenaRuns.name);
  private readonly browser: ScreenshotBrowser | undefined;
  private readonly slots: Slots;

  constructor(
    private readonly registry: SandboxRegistry,
    private readonly config: ArenaConfig,
    private readonly outDir: string,
  ) {
    const shots = config.screenshots;
    if (shots?.chromium)
      this.browser = new ScreenshotBrowser({
        executablePath: shots.chromium,
        inFlight: shots.inFlight,
        budgetMs: shots.budgetMs,
        // Every answer waits its turn: a benchmark keeps all its pictures.
        maxQueued: 1_000_000,
      });
    this.slots = new Slots(config.apps ? config.apps.perHost : 1);
  }

  async execute(
    text: string,
    signal: AbortSignal,
    answer: { model: string; uid: string },
  ): Promise<{ environment: string; run: AutoRun; screenshot?: string } | undefined> {
    const x = extractCode(text);
    if (!x || x.environment === 'none') return undefined;
    const live = this.registry.apps?.serves(x.environment, x.code) ?? false;
    // The answer's app, alone under this owner: removed by it once photographed.
    const owner = `autoarena-${randomUUID()}`;
    let stdout = '';
    let stderr = '';
    if (live) await this.slots.acquire(signal);
    try {
      const result = await this.registry.run(
        {
          environment: x.environment,
          code: x.code,
          limits: this.config.runLimits,
          ...(live ? { appOwner: `${owner}:0:a` } : {}),
          ...(x.installCommand ? { installCommand: x.installCommand } : {}),
        },
        {
          signal,
          onOutput: (c) => {
            if (c.stream === 'stdout') stdout += c.data;
            else stderr += c.data;
          },
        },
      );
      const shot = await this.photograph(result, answer);
      return {
        environment: x.environment,
        run: {
          status: result.status,
          stdout,
          stderr,
          ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
          ...(shot ? { rendered: !shot.blank } : {}),
        },
        ...(shot ? { screenshot: shot.file } : {}),
      };
    } finally {
      if (live) {
        await this.registry.apps?.removeBattle(owner);
        this.slots.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.browser?.close();
  }

  /** The picture of what a run rendered, written beside the answers; undefined when it rendered nothing or the shot failed. */
  private async photograph(
    result: RunResult,
    answer: { model: string; uid: string },
  ): Promise<{ file: string; blank: boolean } | undefined> {
    const preview = result.preview;
    if (!this.browser || !preview) return undefined;
    try {
      const subject: ShotSubject =
        preview.kind === 'html'
          ? { kind: 'html', html: preview.html }
          : await liveShotSubject(this.registry.apps, { kind: preview.kind, url: preview.url }, { press: true });
      const shot = await shootSubject(this.browser, subject);
      const file = path.join(SCREENSHOTS_DIR, screenshotName(answer.model, answer.uid));
      await mkdir(path.join(this.outDir, SCREENSHOTS_DIR), { recursive: true });
      await writeFile(path.join(this.outDir, file), shot.jpeg);
      return { file, blank: shot.blank };
    } catch (err) {
      this.logger.warn({ err, ...answer, preview: preview.kind }, 'no picture of this answer');
      return undefined;
    }
  }
}
