'use client';
import { useEffect, useRef, useState } from 'react';
import { InteractionEvent, type PreviewLogInput, type RunState, type Side } from '@arena/contracts';
import { backendUrl } from '../lib/api';
import { arenaSocket } from '../lib/socket';

type Entry = PreviewLogInput['entries'][number];
const FLUSH_MS = 200;

/**
 * What the person did in the page (its bridge posts batches), sent on as `preview:interaction`; the server keeps
 * the battle creator's only. Returns whether the message was such a batch.
 */
function reportInteractions(battleId: string, runId: string, message: unknown): boolean {
  const data = message as { arenaInteraction?: boolean; events?: unknown } | null;
  if (!data?.arenaInteraction) return false;
  const events = (Array.isArray(data.events) ? data.events : [])
    .map((e) => InteractionEvent.safeParse(e))
    .flatMap((r) => (r.success ? [r.data] : []))
    .slice(0, 200);
  if (events.length) arenaSocket().emit('preview:interaction', { battleId, runId, events }, () => undefined);
  return true;
}

/**
 * A web run's preview, rendered in a sandboxed iframe: `allow-scripts` only, never `allow-same-origin`,
 * so the page has an opaque origin and nothing of the arena's. Its console (posted by the bridge the
 * server put in the page) goes back to the server, which adds it to the run's output for everyone.
 */
export function RunPreview({ battleId, run }: { battleId: string; run: RunState }) {
  const frame = useRef<HTMLIFrameElement>(null);
  useEffect(() => {
    let pending: Entry[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      timer = undefined;
      const entries = pending.splice(0, 100);
      if (entries.length) arenaSocket().emit('preview:log', { battleId, runId: run.runId, entries }, () => undefined);
      if (pending.length) timer = setTimeout(flush, FLUSH_MS);
    };
    const onMessage = (event: MessageEvent): void => {
      if (event.source !== frame.current?.contentWindow) return;
      if (reportInteractions(battleId, run.runId, event.data)) return;
      const data = event.data as { arenaPreview?: boolean; level?: Entry['level']; text?: unknown };
      if (!data?.arenaPreview || typeof data.text !== 'string') return;
      pending.push({ level: data.level ?? 'log', text: data.text.slice(0, 8_000) });
      timer ??= setTimeout(flush, FLUSH_MS);
    };
    window.addEventListener('message', onMessage);
    return () => {
      window.removeEventListener('message', onMessage);
      if (timer) clearTimeout(timer);
      pending = [];
    };
  }, [battleId, run.runId]);
  if (!run.preview) return null;
  // Served by the arena with its policy in the response header (a policy inside the page can be escaped).
  return (
    <iframe
      ref={frame}
      className="run-preview"
      title="Preview of the answer's page"
      sandbox="allow-scripts"
      referrerPolicy="no-referrer"
      src={`${backendUrl()}/api/runs/${encodeURIComponent(run.runId)}/preview`}
      data-testid="run-preview"
    />
  );
}

/**
 * Edit a side's code and run it again, with optional stdin (`run:request`); everyone watching sees the run.
 *
 * The editor holds the code of the run shown above it (`shown`, that of run number `shownRun`; the answer's
 * before any run): when a new run comes (a follow-up's answer, a re-run from another tab) the editor follows
 * it, unless it holds edits of one's own; then it keeps them and says that they are based on an earlier run,
 * with a way to drop them for the shown run's code.
 */
export function CodeEditor({
  battleId,
  side,
  answer,
  shown,
  shownRun,
}: {
  battleId: string;
  side: Side;
  /** The answer's code: a run of it is not an edited one. */
  answer: string;
  shown: string;
  shownRun: number;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(shown);
  /** The code `text` was loaded from: edits are `text` differing from it. */
  const [base, setBase] = useState(shown);
  const [stdin, setStdin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // Another run came (adjusted while rendering, as React advises for state that follows a prop). Without edits
  // of one's own the editor takes its code; edits that just ran are that code.
  if (shown !== base && (text === base || text === shown)) {
    setText(shown);
    setBase(shown);
  }
  const edited = text !== base;
  const behind = edited && shown !== base;
  const load = (): void => {
    setText(shown);
    setBase(shown);
  };
  if (!open)
    return (
      <button className="link-button" onClick={() => setOpen(true)} data-testid={`edit-${side}`}>
        Edit &amp; run{edited ? ' · your edits are kept' : ''}
      </button>
    );
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const ack = await arenaSocket().emitWithAck('run:request', {
      battleId,
      side,
      ...(text !== answer ? { code: text } : {}),
      ...(stdin ? { stdin } : {}),
    });
    setBusy(false);
    if (!ack.ok) setError(ack.error.message);
  };
  const shownName = shownRun > 0 ? `Run ${shownRun}` : 'The answer';
  return (
    <div className="editor" data-testid={`editor-${side}`}>
      {behind ? (
        <div className="editor-behind" role="status" data-testid={`editor-behind-${side}`}>
          <span>
            The editor holds <strong>your edits</strong>, made to an earlier run’s code. {shownName} above ran other
            code.
          </span>
          <span className="editor-behind-actions">
            <button className="link-button" onClick={load} data-testid={`load-shown-${side}`}>
              Discard my edits, load {shownRun > 0 ? `run ${shownRun}’s` : 'the answer’s'} code
            </button>
            <button className="link-button" onClick={() => setBase(shown)}>
              Keep my edits
            </button>
          </span>
        </div>
      ) : null}
      <textarea
        className="code-input"
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={Math.min(18, Math.max(6, text.split('\n').length))}
        aria-label={edited ? 'Code (your edits)' : `Code (${shownName.toLowerCase()}’s)`}
        data-testid={`code-${side}`}
        data-edited={edited}
      />
      <textarea
        className="stdin-input"
        spellCheck={false}
        value={stdin}
        onChange={(e) => setStdin(e.target.value)}
        rows={2}
        placeholder="stdin (optional)"
        aria-label="Standard input"
        data-testid={`stdin-${side}`}
      />
      <div className="editor-actions">
        <button className="primary" disabled={busy} onClick={() => void submit()} data-testid={`run-${side}`}>
          {busy ? 'Starting…' : 'Run'}
        </button>
        {edited ? (
          <button className="link-button" onClick={load} data-testid={`discard-${side}`}>
            Discard my edits
          </button>
        ) : null}
        {text !== answer ? (
          <button
            className="link-button"
            onClick={() => {
              setText(answer);
              setBase(shown);
            }}
          >
            Answer’s code
          </button>
        ) : null}
        <button className="link-button" onClick={() => setOpen(false)}>
          Close
        </button>
        {error ? <span className="error">{error}</span> : null}
      </div>
    </div>
  );
}
