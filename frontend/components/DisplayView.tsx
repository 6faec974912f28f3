'use client';
import type RFB from '@novnc/novnc';
import type { RunState } from '@arena/contracts';
import { useEffect, useRef, useState } from 'react';
import { backendUrl } from '../lib/api';
import { arenaSocket } from '../lib/socket';
import { stopTime } from './AppView';

type DisplayPhase = 'connecting' | 'live' | 'stopped';

/** `ws(s)://…` for a path on the arena's origin (the backend's, when the UI is served from elsewhere). */
function socketUrl(path: string): string {
  const base = new URL(backendUrl() || window.location.origin, window.location.href);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return new URL(path, base).toString();
}

/**
 * A run's virtual display (a PyGame, tkinter or turtle program; issue 16), drawn by noVNC from the display's
 * VNC server through the arena's app proxy. It connects at once, so the first frame shows without a click.
 * Everyone gets the view-only server (`preview.url?token=view`: the server ignores their keys and clicks);
 * the battle's creator (a session's host) asks `run:control` for the full-control URL and drives the program.
 * When the display is removed (its battle closed and its time ran out) it says so.
 */
export function DisplayView({ battleId, run }: { battleId: string; run: RunState }) {
  const screen = useRef<HTMLDivElement>(null);
  const [phase, setPhase] = useState<DisplayPhase>('connecting');
  const [controls, setControls] = useState(false);
  const url = run.preview?.kind === 'display' ? run.preview.url : undefined;
  const expiresAt = run.preview?.kind === 'display' ? run.preview.expiresAt : undefined;

  useEffect(() => {
    const target = screen.current;
    if (!url || !target) return;
    let rfb: RFB | undefined;
    let cancelled = false;
    setPhase('connecting');
    void (async () => {
      const ack = await arenaSocket()
        .emitWithAck('run:control', { battleId, runId: run.runId })
        .catch(() => undefined);
      const control = ack?.ok ? ack.url : undefined;
      const { default: Rfb } = await import('@novnc/novnc');
      if (cancelled) return;
      rfb = new Rfb(target, socketUrl(control ?? `${url}?token=view`), { shared: true, wsProtocols: ['binary'] });
      rfb.viewOnly = !control;
      rfb.scaleViewport = true;
      rfb.resizeSession = false;
      rfb.focusOnClick = Boolean(control);
      rfb.background = 'transparent';
      rfb.addEventListener('connect', () => setPhase('live'));
      rfb.addEventListener('disconnect', () => setPhase('stopped'));
      setControls(Boolean(control));
    })();
    return () => {
      cancelled = true;
      rfb?.disconnect();
    };
  }, [battleId, run.runId, url]);

  if (!url) return null;
  return (
    <figure className="run-display" data-testid="run-display" data-phase={phase} data-controls={controls}>
      <div
        ref={screen}
        className="run-display-screen"
        role="img"
        aria-label={controls ? 'The program’s display: click it to type and use the mouse' : 'The program’s display'}
        data-testid="run-display-screen"
      />
      <figcaption className="muted run-display-caption">
        {phase === 'stopped'
          ? 'display stopped'
          : phase === 'connecting'
            ? 'connecting to the display…'
            : controls
              ? 'live display · you control it: click it, then use keyboard and mouse'
              : 'live display · view only (the battle’s starter controls it)'}
        {phase !== 'stopped' && expiresAt !== undefined ? (
          <span data-testid="run-display-expires"> · stops at {stopTime(expiresAt)} at the latest</span>
        ) : null}
      </figcaption>
    </figure>
  );
}
