'use client';
import type { RunState } from '@arena/contracts';
import { useEffect, useState } from 'react';
import { backendUrl } from '../lib/api';
import styles from './AppView.module.css';

/** The iframe's sandbox: the app runs as an opaque origin (never `allow-same-origin`), as the proxy's CSP says too. */
const APP_SANDBOX = 'allow-scripts allow-forms allow-popups allow-modals allow-downloads';
/** How often the pane asks whether the app still lives (a probe the proxy answers itself: it keeps no app alive). */
const PROBE_MS = 20_000;

/** The time of day an app or display stops at the latest, in the viewer's own clock and locale. */
export function stopTime(expiresAt: number): string {
  return new Date(expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * A run's live app (a Streamlit, Gradio, Flask, FastAPI or Node server; issue 16), shown from the arena's app
 * proxy in a sandboxed iframe. Anyone who can watch the battle sees and uses it. When the app is removed (its
 * battle closed and its time ran out, or it was idle or replaced) the pane says "App stopped".
 */
export function AppView({ run }: { run: RunState }) {
  const url = run.preview?.kind === 'app' ? run.preview.url : undefined;
  const expiresAt = run.preview?.kind === 'app' ? run.preview.expiresAt : undefined;
  const [stopped, setStopped] = useState(false);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    if (!url) return;
    let cancelled = false;
    const probe = async (): Promise<void> => {
      const res = await fetch(`${backendUrl()}${url}`, { headers: { 'x-arena-app-probe': '1' } }).catch(
        () => undefined,
      );
      if (!cancelled && res?.status === 410) setStopped(true);
    };
    void probe();
    const timer = setInterval(() => void probe(), PROBE_MS);
    const expiry =
      expiresAt !== undefined ? setTimeout(() => setStopped(true), Math.max(0, expiresAt - Date.now())) : undefined;
    return () => {
      cancelled = true;
      clearInterval(timer);
      clearTimeout(expiry);
    };
  }, [url, expiresAt]);

  if (!url) return null;
  const src = `${backendUrl()}${url}`;
  return (
    <div className={styles.app} data-testid="run-app">
      <div className={styles.bar}>
        <span className={styles.state}>{stopped ? 'App stopped' : 'Live app'}</span>
        {stopped ? null : (
          <>
            {expiresAt !== undefined ? (
              <span className="muted" data-testid="run-app-expires">
                stops at {stopTime(expiresAt)} at the latest
              </span>
            ) : null}
            <button type="button" className="link-button" onClick={() => setReloads((n) => n + 1)}>
              Reload
            </button>
            <a href={src} target="_blank" rel="noopener noreferrer">
              Open in a new tab
            </a>
          </>
        )}
      </div>
      {stopped ? (
        <p className={styles.stopped} role="status">
          This app has stopped: its battle closed, or nobody used it for a while. Run the code again to start it anew.
        </p>
      ) : (
        <iframe
          key={reloads}
          className={`run-preview ${styles.frame}`}
          title="The answer's live app"
          sandbox={APP_SANDBOX}
          referrerPolicy="no-referrer"
          src={src}
          data-testid="run-app-frame"
        />
      )}
    </div>
  );
}
