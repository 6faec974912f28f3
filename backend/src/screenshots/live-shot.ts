import { grabDisplayFrame, type LiveApps } from '@arena/sandboxes';
import type { ShotSubject } from './shoot-subject.js';

/** What a run left live: an app (a web server) or a display (a desktop program on a virtual screen). */
export interface LivePreview {
  kind: 'app' | 'display';
  /** Its address on the arena, `/api/apps/<token>/`. */
  url: string;
}

/**
 * What to photograph of a live app or display. An app is loaded straight from its container's address (what
 * the arena's proxy reaches; the AutoCodeArena command has no proxy), with its public path when it was told
 * one, and photographed once its page stops changing. A display is grabbed from its X server inside the
 * container; with `press`, after a click into the program's window and a key press (BigCodeArena's way with
 * games). A battle's display is the creator's alone to drive, and everyone in the room watches it: its picture
 * is taken without input (the frame the program shows by itself). The AutoCodeArena command, with nobody
 * watching, presses. Throws when the app is no longer live.
 */
export async function liveShotSubject(
  apps: LiveApps | undefined,
  preview: LivePreview,
  options: { press: boolean },
): Promise<ShotSubject> {
  if (!apps) throw new Error('live apps are off');
  if (!preview.url.startsWith(apps.pathPrefix)) throw new Error(`not an app address: ${preview.url}`);
  const token = preview.url.slice(apps.pathPrefix.length).split('/')[0] ?? '';
  const found = apps.lookup(token);
  if (found.state !== 'live') throw new Error(`the ${preview.kind} is ${found.state === 'gone' ? 'gone' : 'unknown'}`);
  const { target } = found;
  if (preview.kind === 'app') {
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const path = target.keepsPrefix ? `${target.basePath}/` : '/';
    return { kind: 'url', url: `http://${host}:${target.port}${path}`, settle: 'quiet' };
  }
  const container = apps.containerOf(token);
  if (!container) throw new Error('the display is gone');
  const frame = await grabDisplayFrame(container, { press: options.press });
  return { kind: 'image', png: frame.png, width: frame.width, height: frame.height };
}
