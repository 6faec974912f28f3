'use client';
import { useEffect, useRef, useState } from 'react';
import type { CodeState, PreviewLogInput, RunState, Side } from '@arena/contracts';
import { backendUrl } from '../lib/api';
import { arenaSocket } from '../lib/socket';

type Entry = PreviewLogInput['entries'][number];
const FLUSH_MS = 200;

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

/** Edit a side's code and run it again, with optional stdin (`run:request`); everyone watching sees the run. */
export function CodeEditor({ battleId, side, code }: { battleId: string; side: Side; code: CodeState }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(code.code);
  const [stdin, setStdin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setText(code.code), [code.code]);
  if (!open)
    return (
      <button className="link-button" onClick={() => setOpen(true)} data-testid={`edit-${side}`}>
        Edit &amp; run
      </button>
    );
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const ack = await arenaSocket().emitWithAck('run:request', {
      battleId,
      side,
      ...(text !== code.code ? { code: text } : {}),
      ...(stdin ? { stdin } : {}),
    });
    setBusy(false);
    if (!ack.ok) setError(ack.error.message);
  };
  return (
    <div className="editor" data-testid={`editor-${side}`}>
      <textarea
        className="code-input"
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={Math.min(18, Math.max(6, text.split('\n').length))}
        aria-label="Code"
        data-testid={`code-${side}`}
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
        <button className="link-button" onClick={() => setText(code.code)}>
          Reset
        </button>
        <button className="link-button" onClick={() => setOpen(false)}>
          Close
        </button>
        {error ? <span className="error">{error}</span> : null}
      </div>
    </div>
  );
}
