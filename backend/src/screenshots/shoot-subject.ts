import { previewPolicy } from '../battles/run-previews.controller.js';
import type { ScreenshotBrowser, Shot, ShotOptions } from './screenshot-browser.js';

/**
 * What to photograph: a stored preview page, a page by URL (a live app: `settle: 'quiet'` waits until the page
 * stops changing), or a drawn image (a figure, a display's frame).
 */
export type ShotSubject =
  | { kind: 'html'; html: string }
  | { kind: 'url'; url: string; clickCanvas?: boolean; settle?: 'quiet' }
  | { kind: 'image'; png: Buffer; width: number; height: number };

/** The picture of a subject, stored nowhere (the battle service stores it; AutoCodeArena writes it beside its answers). */
export function shootSubject(
  browser: ScreenshotBrowser,
  subject: ShotSubject,
  options: ShotOptions = {},
): Promise<Shot> {
  switch (subject.kind) {
    case 'html':
      return browser.shootHtml(subject.html, (origin) => previewPolicy([origin]), options);
    case 'url':
      return browser.shootUrl(subject.url, {
        ...options,
        clickCanvas: subject.clickCanvas ?? false,
        ...(subject.settle === 'quiet' ? { quiet: true } : {}),
      });
    case 'image':
      return browser.shootImage(subject.png, { width: subject.width, height: subject.height }, options);
  }
}
