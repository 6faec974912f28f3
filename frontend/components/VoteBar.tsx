'use client';
import type { BattleStatus, Winner } from '@arena/contracts';

const CHOICES: { winner: Winner; label: string }[] = [
  { winner: 'model_a', label: '◀  A is better' },
  { winner: 'model_b', label: 'B is better  ▶' },
  { winner: 'tie', label: '=  Tie' },
  { winner: 'tie (bothbad)', label: '✕  Both are bad' },
];

export function VoteBar({
  status,
  busy,
  onVote,
}: {
  status: BattleStatus;
  busy: boolean;
  onVote: (winner: Winner) => void;
}) {
  const open = status === 'voting' && !busy;
  return (
    <div className="vote-bar" data-testid="vote-bar">
      {CHOICES.map(({ winner, label }) => (
        <button
          key={winner}
          className="vote"
          data-testid={`vote-${winner.replace(/\W+/g, '-')}`}
          disabled={!open}
          onClick={() => onVote(winner)}
        >
          {label}
        </button>
      ))}
      <div className="vote-hint muted">
        {status === 'voting'
          ? 'Which answer is better? The models are revealed after your vote.'
          : status === 'revealed'
            ? 'Thanks for voting!'
            : 'Voting opens once both answers have finished and their code has run.'}
      </div>
    </div>
  );
}
