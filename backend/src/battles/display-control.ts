import { ArenaError, type RunPreviewState } from '@arena/contracts';
import type { RunPreview } from '@arena/sandboxes';
import type { LiveBattle } from './live-battle.js';

/**
 * A run's preview as everyone sees it, and its display's control URL apart (issue 16): the sandbox hands the
 * control token with the preview; it never reaches the room, the stored run or a snapshot, only the battle's
 * creator asking with `run:control`. A viewer's WebSocket (`preview.url` with `?token=view`) reaches the
 * display's view-only VNC server; the control URL reaches the one that takes keyboard and mouse.
 */
export function splitDisplayControl(preview: RunPreview | undefined): {
  preview?: RunPreviewState;
  controlUrl?: string;
} {
  if (!preview) return {};
  if (preview.kind !== 'display') return { preview };
  const { control, ...shown } = preview;
  return {
    preview: shown,
    ...(control ? { controlUrl: `${preview.url}?token=${encodeURIComponent(control)}` } : {}),
  };
}

/** `run:control`: the control URL of a live battle's display run, for its creator (a session's host) only. */
export function displayControlFor(live: LiveBattle | undefined, voterId: string, runId: string): { url: string } {
  if (!live) throw new ArenaError('not_found', 'that battle is not live any more; its displays are view-only');
  if (live.creatorVoterId !== voterId)
    throw new ArenaError('not_allowed', 'only the person who started this battle controls its displays; you watch');
  const url = live.displayControls.get(runId);
  if (!url) throw new ArenaError('not_found', 'that run has no display to control');
  return { url };
}
