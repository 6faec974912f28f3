'use client';
import type { BattleSnapshot, BattleStatus } from '@arena/contracts';
import { SidePane, outcomes } from './SidePane';

const STATUS_TEXT: Record<BattleStatus, string> = {
  generating: 'Both models are answering',
  running: 'Running the code',
  voting: 'Ready for the vote',
  revealed: 'Revealed',
  failed: 'This battle failed',
};

export function BattleStatusLine({ snapshot }: { snapshot: BattleSnapshot }) {
  return (
    <div className="status-line">
      <span className={`dot dot-${snapshot.status}`} />
      <span data-testid="battle-status" data-status={snapshot.status}>
        {STATUS_TEXT[snapshot.status]}
      </span>
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
        <SidePane battleId={snapshot.battleId} editable={false} label="A" side={turn.sides.a} model={undefined} />
        <SidePane battleId={snapshot.battleId} editable={false} label="B" side={turn.sides.b} model={undefined} />
      </div>
    </details>
  );
}

/** `canRun`: the viewer started this battle (or hosts its session), the only one who may run its code. */
export function BattleView({ snapshot, canRun = false }: { snapshot: BattleSnapshot; canRun?: boolean }) {
  const turn = snapshot.turns[snapshot.turns.length - 1];
  if (!turn) return null;
  const result = outcomes(snapshot);
  // Code can be edited and re-run once both sides have finished, while the battle is live.
  const editable = canRun && (snapshot.status === 'voting' || snapshot.status === 'revealed');
  const earlier = snapshot.turns.slice(0, -1);
  return (
    <div className="battle">
      {earlier.map((t) => (
        <EarlierTurn key={t.turn} snapshot={snapshot} turn={t} />
      ))}
      <div className="prompt-card">
        <div className="prompt-label">{earlier.length ? `Turn ${turn.turn + 1}` : 'Prompt'}</div>
        <div className="prompt-text" data-testid="battle-prompt">
          {turn.prompt}
        </div>
      </div>
      <BattleStatusLine snapshot={snapshot} />
      <div className="panes" data-testid="current-turn">
        <SidePane
          battleId={snapshot.battleId}
          editable={editable}
          label="A"
          side={turn.sides.a}
          model={snapshot.models?.a}
          outcome={result.a}
        />
        <SidePane
          battleId={snapshot.battleId}
          editable={editable}
          label="B"
          side={turn.sides.b}
          model={snapshot.models?.b}
          outcome={result.b}
        />
      </div>
    </div>
  );
}
