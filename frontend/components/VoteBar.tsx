'use client';
import type { BattleStatus, Winner } from '@arena/contracts';
import { useEffect, useRef } from 'react';

const CHOICES: { winner: Winner; label: string; key: string }[] = [
  { winner: 'model_a', label: '◀  A is better', key: '1' },
  { winner: 'model_b', label: 'B is better  ▶', key: '2' },
  { winner: 'tie', label: '=  Tie', key: '3' },
  { winner: 'tie (bothbad)', label: '✕  Both are bad', key: '4' },
];

/** Keys typed into a field are text, not votes. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

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
  const vote = useRef(onVote);
  vote.current = onVote;
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent): void => {
      if (event.repeat || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
      const choice = CHOICES.find((c) => c.key === event.key);
      if (!choice) return;
      event.preventDefault();
      vote.current(choice.winner);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  return (
    // Open for the vote, it stays at the bottom of a narrow screen while the answers above it are read (see the CSS).
    <div
      className={`vote-bar ${status === 'voting' ? 'vote-bar-open' : ''}`}
      role="group"
      aria-label="Your vote"
      data-testid="vote-bar"
    >
      {CHOICES.map(({ winner, label, key }) => (
        <button
          key={winner}
          className="vote"
          data-testid={`vote-${winner.replace(/\W+/g, '-')}`}
          disabled={!open}
          aria-keyshortcuts={key}
          onClick={() => onVote(winner)}
        >
          {label}
          <kbd className="keyboard-only">{key}</kbd>
        </button>
      ))}
      <div className="vote-hint muted">
        {status === 'voting'
          ? 'Which answer is better? The models are revealed after your vote.'
          : status === 'revealed'
            ? 'Thanks for voting!'
            : 'Voting opens once both answers have finished and their code has run.'}{' '}
        {status === 'revealed' ? null : (
          <span className="keyboard-only">Keys 1–4 vote, in the order of the buttons.</span>
        )}
      </div>
    </div>
  );
}
