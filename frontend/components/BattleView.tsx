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

export function BattleView({ snapshot }: { snapshot: BattleSnapshot }) {
  const turn = snapshot.turns[snapshot.turns.length - 1];
  if (!turn) return null;
  const result = outcomes(snapshot);
  // Code can be edited and re-run once both sides have finished, while the battle is live.
  const editable = snapshot.status === 'voting' || snapshot.status === 'revealed';
  return (
    <div className="battle">
      <div className="prompt-card">
        <div className="prompt-label">Prompt</div>
        <div className="prompt-text" data-testid="battle-prompt">
          {turn.prompt}
        </div>
      </div>
      <BattleStatusLine snapshot={snapshot} />
      <div className="panes">
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
