'use client';
import type { BattleSnapshot, BattleStatus } from '@arena/contracts';
import { useLayoutEffect, useRef, useState } from 'react';
import { formatElapsed, useNow } from '../lib/use-now';
import { SidePane, outcomes } from './SidePane';

const STATUS_TEXT: Record<BattleStatus, string> = {
  generating: 'Both models are answering',
  running: 'Running the code',
  voting: 'Ready for the vote',
  revealed: 'Revealed',
  failed: 'This battle failed',
};

/** How long the battle has been going, while it is (since it was created; the server's clock). */
function BattleElapsed({ createdAt }: { createdAt: string }) {
  const now = useNow(true);
  return (
    <span className="muted" data-testid="battle-elapsed">
      · {formatElapsed(now - Date.parse(createdAt))}
    </span>
  );
}

export function BattleStatusLine({ snapshot }: { snapshot: BattleSnapshot }) {
  const live = snapshot.status === 'generating' || snapshot.status === 'running';
  return (
    <div className="status-line">
      <span className={`dot dot-${snapshot.status}`} />
      <span data-testid="battle-status" data-status={snapshot.status}>
        {STATUS_TEXT[snapshot.status]}
      </span>
      {live ? <BattleElapsed createdAt={snapshot.createdAt} /> : null}
      <span className="muted" data-testid="spectators">
        · {snapshot.spectators} watching
      </span>
    </div>
  );
}

/** An earlier turn of the conversation, folded: its prompt, then both answers and their runs when opened. */
function EarlierTurn({ snapshot, turn }: { snapshot: BattleSnapshot; turn: BattleSnapshot['turns'][number] }) {
  return (
    <details className="earlier-turn" data-testid={`turn-${turn.turn}`}>
      <summary>
        <span className="prompt-label">Turn {turn.turn + 1}</span> <span className="earlier-prompt">{turn.prompt}</span>
      </summary>
      <div className="panes">
        <SidePane
          battleId={snapshot.battleId}
          editable={false}
          turnDone
          label="A"
          side={turn.sides.a}
          model={undefined}
        />
        <SidePane
          battleId={snapshot.battleId}
          editable={false}
          turnDone
          label="B"
          side={turn.sides.b}
          model={undefined}
        />
      </div>
    </details>
  );
}

/** A prompt folded to a few lines when it is long, with a button to show it all. */
function PromptText({ text }: { text: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  const [long, setLong] = useState(false);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && !open) setLong(el.scrollHeight > el.clientHeight + 2);
  }, [text, open]);
  return (
    <>
      <div ref={box} className={`prompt-text ${open ? 'prompt-open' : ''}`} data-testid="battle-prompt">
        {text}
      </div>
      {long || open ? (
        <button className="link-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Show less' : 'Show more'}
        </button>
      ) : null}
    </>
  );
}

/** `canRun`: the viewer started this battle (or hosts its session), the only one who may run its code. */
export function BattleView({ snapshot, canRun = false }: { snapshot: BattleSnapshot; canRun?: boolean }) {
  const turn = snapshot.turns[snapshot.turns.length - 1];
  if (!turn) return null;
  const result = outcomes(snapshot);
  // Code can be edited and re-run once both sides have finished, while the battle is live.
  const editable = canRun && (snapshot.status === 'voting' || snapshot.status === 'revealed');
  const turnDone = snapshot.status === 'voting' || snapshot.status === 'revealed' || snapshot.status === 'failed';
  const earlier = snapshot.turns.slice(0, -1);
  return (
    <div className="battle">
      {earlier.map((t) => (
        <EarlierTurn key={t.turn} snapshot={snapshot} turn={t} />
      ))}
      <div className="prompt-card">
        <div className="prompt-label">{earlier.length ? `Turn ${turn.turn + 1}` : 'Prompt'}</div>
        <PromptText key={turn.turn} text={turn.prompt} />
      </div>
      <BattleStatusLine snapshot={snapshot} />
      <div className="panes" data-testid="current-turn">
        <SidePane
          battleId={snapshot.battleId}
          editable={editable}
          turnDone={turnDone}
          label="A"
          side={turn.sides.a}
          model={snapshot.models?.a}
          outcome={result.a}
        />
        <SidePane
          battleId={snapshot.battleId}
          editable={editable}
          turnDone={turnDone}
          label="B"
          side={turn.sides.b}
          model={snapshot.models?.b}
          outcome={result.b}
        />
      </div>
    </div>
  );
}
