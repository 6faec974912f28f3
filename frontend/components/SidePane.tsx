'use client';
import {
  programLabel,
  runConsolePieces,
  stripTerminalEscapes,
  type BattleSnapshot,
  type ModelRef,
  type RunState,
  type Side,
  type SideState,
} from '@arena/contracts';
import { formatElapsed, useNow } from '../lib/use-now';
import { Markdown } from './Markdown';
import { AppView } from './AppView';
import { DisplayView } from './DisplayView';
import { CodeEditor, RunPreview } from './RunTools';
import { RunFigure } from './RunFigure';
import { RunScreenshot } from './RunScreenshot';

const RUN_LABEL: Record<NonNullable<RunState['status']>, string> = {
  ok: 'ran successfully',
  compile_error: 'did not compile',
  runtime_error: 'crashed',
  timeout: 'timed out',
  memory_limit: 'ran out of memory',
  output_limit: 'printed too much',
  unsupported: 'cannot run here',
  internal_error: 'sandbox error',
};

/**
 * A run that ended in something to look at: "preview ready" said nothing of a live app or display (still true
 * once it has stopped, unlike "live").
 */
const PREVIEW_LABEL: Record<NonNullable<RunState['preview']>['kind'], string> = {
  app: 'app started',
  display: 'display started',
  html: 'preview ready',
};

function sideActivity(side: SideState): string {
  if (!side.finished) return side.text ? 'writing…' : 'thinking…';
  if (side.finishReason === 'error') return 'failed';
  const run = side.runs[side.runs.length - 1];
  if (run && !run.status) return 'running code…';
  return 'done';
}

/** Who started a run and what was changed: the answer's own run, or a re-run by the battle's creator. */
function runOrigin(run: RunState): string {
  if (!run.rerun) return 'the answer’s code';
  const changes = [run.rerun.edited ? 'edited code' : 'same code', ...(run.rerun.stdin ? ['with stdin'] : [])];
  return `re-run by the battle’s starter · ${changes.join(' · ')}`;
}

/** When this tab first saw each run, for a run that came without its start time (from an older server). */
const firstSeen = new Map<string, number>();

/**
 * How long a run without a status has been going, so that a long run does not look frozen: from the server's
 * start time, so that a viewer who arrives late counts from the same moment as one who watched it start.
 */
function RunElapsed({ run }: { run: RunState }) {
  const now = useNow(true);
  if (!firstSeen.has(run.runId)) firstSeen.set(run.runId, Date.now());
  const started = run.startedAt ?? firstSeen.get(run.runId) ?? now;
  return (
    <span className="muted run-elapsed" data-testid="run-elapsed">
      {formatElapsed(Math.max(0, now - started))}
    </span>
  );
}

/**
 * The code a run ran: an edited re-run carries its own, any other ran the answer's. Falls back to the answer's
 * for an edited re-run stored without its code.
 */
export function runCode(run: RunState | undefined, answer: string): string {
  return run?.rerun?.code ?? answer;
}

/**
 * stdout as it came, less terminal colour codes (a browser draws their ESC as a box); stderr's parts drawn apart
 * (and labelled for screen readers); figures where they were drawn.
 */
function ConsoleText({ run, number }: { run: RunState; number: number }) {
  if (!run.output && !run.figures?.length) return <>{run.status ? '(no output)' : ''}</>;
  const pieces = runConsolePieces(run);
  // The sandbox's note on a run that printed nothing (`\n[timeout] …`) starts a line of its own: not a blank one.
  const first = pieces[0];
  if (first?.kind === 'text' && first.text.startsWith('\n')) pieces[0] = { ...first, text: first.text.slice(1) };
  return (
    <>
      {pieces.map((piece, i) =>
        piece.kind === 'figure' ? (
          <RunFigure key={i} figure={piece.figure} run={number} />
        ) : piece.stream === 'stderr' ? (
          <span key={i} className="stderr" data-testid="stderr">
            <span className="sr-only">stderr: </span>
            {stripTerminalEscapes(piece.text)}
          </span>
        ) : (
          <span key={i}>{stripTerminalEscapes(piece.text)}</span>
        ),
      )}
    </>
  );
}

/** `number`: the run's place among this side's runs in the turn (from 1), the same for every viewer. */
function RunOutput({ run, number, battleId }: { run: RunState; number: number; battleId: string }) {
  const status = run.status;
  return (
    <div className="run" data-testid="run-output" data-run={number}>
      <div className="run-head">
        <span className="run-number" data-testid="run-number">
          Run {number}
        </span>
        <span className={`pill run-${status ?? 'running'}`}>
          {status === 'ok' && run.preview ? PREVIEW_LABEL[run.preview.kind] : status ? RUN_LABEL[status] : 'running…'}
        </span>
        {status ? null : <RunElapsed run={run} />}
        {run.durationMs !== undefined ? <span className="muted">{run.durationMs} ms</span> : null}
        {run.exitCode !== undefined ? <span className="muted">exit {run.exitCode}</span> : null}
        <span className="muted run-origin" data-testid="run-origin">
          {runOrigin(run)}
        </span>
      </div>
      {run.preview?.kind === 'display' ? (
        <DisplayView battleId={battleId} run={run} />
      ) : run.preview?.kind === 'app' ? (
        <AppView run={run} />
      ) : run.preview ? (
        <RunPreview battleId={battleId} run={run} />
      ) : null}
      <RunScreenshot run={run} number={number} />
      {/* A figure is taller than the console's usual 220 px: the console grows so that one shows whole. */}
      <pre
        className="console"
        tabIndex={0}
        aria-label="Program output"
        style={run.figures?.length ? { maxHeight: 'max(220px, 75vh)' } : undefined}
      >
        <ConsoleText run={run} number={number} />
      </pre>
      {run.stderr?.length ? (
        <div className="console-legend muted">
          <span className="stderr-swatch" aria-hidden="true" /> stderr
        </div>
      ) : null}
    </div>
  );
}

export function SidePane({
  battleId,
  label,
  side,
  model,
  outcome,
  editable,
  turnDone,
}: {
  battleId: string;
  editable: boolean;
  /** The turn has finished (both sides answered and ran): only then is a missing code block final. */
  turnDone: boolean;
  label: 'A' | 'B';
  side: SideState;
  model: ModelRef | undefined;
  outcome?: 'won' | 'lost' | 'tie' | 'bad' | undefined;
}) {
  const activity = sideActivity(side);
  return (
    <section className={`pane ${outcome ? `pane-${outcome}` : ''}`} data-testid={`pane-${label.toLowerCase()}`}>
      <header className="pane-head">
        <div>
          <span className="pane-label">Model {label}</span>
          {model ? (
            <span className="model-name" data-testid={`model-${label.toLowerCase()}`}>
              {model.name}
            </span>
          ) : (
            <span className="model-hidden">identity hidden until the vote</span>
          )}
        </div>
        <span className={`pill activity-${activity.replace(/\W/g, '')}`}>
          {outcome ? outcomeLabel(outcome) : activity}
        </span>
      </header>
      {/* It scrolls: focusable, and named, so that a keyboard can scroll it and a screen reader can find it. */}
      <div className="pane-body" tabIndex={0} role="region" aria-label={`Model ${label}'s answer`}>
        {side.text ? <Markdown text={side.text} /> : <div className="placeholder">Waiting for the first tokens…</div>}
        {side.error ? <div className="error">⚠ {side.error}</div> : null}
      </div>
      {side.code ? (
        <div className="pane-run">
          <div className="run-title">
            Code{' '}
            <span className="env" data-testid="code-kind" title={side.code.language}>
              {programLabel(
                { ...side.code, code: runCode(side.runs[side.runs.length - 1], side.code.code) },
                side.runs[side.runs.length - 1]?.preview,
              )}
            </span>
            {side.code.installCommand ? (
              <code className="install">{side.code.installCommand.split('\n')[0]}</code>
            ) : null}
          </div>
          {side.runs.map((run, i) => (
            <RunOutput key={run.runId} run={run} number={i + 1} battleId={battleId} />
          ))}
          {editable ? (
            <CodeEditor
              battleId={battleId}
              side={label.toLowerCase() as Side}
              answer={side.code.code}
              shown={runCode(side.runs[side.runs.length - 1], side.code.code)}
              shownRun={side.runs.length}
            />
          ) : null}
        </div>
      ) : turnDone && side.finished && side.finishReason !== 'error' ? (
        <div className="pane-run muted">No code block in this answer.</div>
      ) : null}
    </section>
  );
}

function outcomeLabel(outcome: 'won' | 'lost' | 'tie' | 'bad'): string {
  return { won: '★ voted better', lost: 'voted worse', tie: 'tie', bad: 'both bad' }[outcome];
}

export function outcomes(snapshot: BattleSnapshot): {
  a?: 'won' | 'lost' | 'tie' | 'bad';
  b?: 'won' | 'lost' | 'tie' | 'bad';
} {
  switch (snapshot.winner) {
    case 'model_a':
      return { a: 'won', b: 'lost' };
    case 'model_b':
      return { a: 'lost', b: 'won' };
    case 'tie':
      return { a: 'tie', b: 'tie' };
    case 'tie (bothbad)':
      return { a: 'bad', b: 'bad' };
    case undefined:
      return {};
  }
}
