'use client';
import type { SessionSnapshot, Winner } from '@arena/contracts';
import { useSearchParams } from 'next/navigation';
import { Suspense, useMemo, useState } from 'react';
import { BattleStatusLine, BattleView } from '../../../components/BattleView';
import { TallyChart } from '../../../components/TallyChart';
import { arenaSocket } from '../../../lib/socket';
import { useWatchedBattle } from '../../../lib/use-battle';
import { useSessionFeed } from '../../../lib/use-session';

const NICKNAME_KEY = 'arena.nickname';
const CHOICES: { winner: Winner; label: string }[] = [
  { winner: 'model_a', label: 'A is better' },
  { winner: 'model_b', label: 'B is better' },
  { winner: 'tie', label: 'Tie' },
  { winner: 'tie (bothbad)', label: 'Both are bad' },
];

/** A participant's phone: the current battle, four big vote buttons, then the reveal. */
function Play() {
  const code = (useSearchParams().get('code') ?? '').toUpperCase();
  const [nickname, setNickname] = useState(() =>
    typeof window === 'undefined' ? '' : (window.localStorage.getItem(NICKNAME_KEY) ?? ''),
  );
  const [draft, setDraft] = useState(nickname);
  const enter = useMemo(
    () =>
      code && nickname
        ? async (): Promise<SessionSnapshot> => {
            const ack = await arenaSocket().emitWithAck('session:join', { joinCode: code, nickname });
            if (!ack.ok) throw new Error(ack.error.message);
            return ack.snapshot;
          }
        : undefined,
    [code, nickname],
  );
  const { snapshot, error, removed } = useSessionFeed(enter);
  const store = useWatchedBattle(snapshot?.currentBattleId);
  const battle = store?.state;
  const current = snapshot?.battles.find((b) => b.battleId === snapshot.currentBattleId);
  const [mine, setMine] = useState<Record<string, Winner>>({});
  const [voteError, setVoteError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [showAnswers, setShowAnswers] = useState(false);

  if (!code) return <div className="muted">No join code given.</div>;
  if (!nickname)
    return (
      <form
        className="card phone-join"
        onSubmit={(e) => {
          e.preventDefault();
          window.localStorage.setItem(NICKNAME_KEY, draft.trim());
          setNickname(draft.trim());
        }}
      >
        <h3>Join session {code}</h3>
        <input
          data-testid="play-nickname"
          placeholder="Your nickname"
          value={draft}
          maxLength={32}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button data-testid="play-join" disabled={!draft.trim()}>
          Join
        </button>
      </form>
    );
  if (removed) return <div className="error banner">The host removed you from this session.</div>;
  if (error) return <div className="error banner">{error}</div>;
  if (!snapshot) return <div className="muted">Joining…</div>;

  const myVote = current ? (mine[current.battleId] ?? snapshot.myVotes?.[current.battleId]) : undefined;
  const vote = async (winner: Winner): Promise<void> => {
    if (!current) return;
    setBusy(true);
    setVoteError(undefined);
    const ack = await arenaSocket().emitWithAck('session:vote', {
      sessionId: snapshot.sessionId,
      battleId: current.battleId,
      winner,
    });
    setBusy(false);
    if (ack.ok || ack.error.code === 'already_voted') setMine((m) => ({ ...m, [current.battleId]: winner }));
    if (!ack.ok && ack.error.code !== 'already_voted') setVoteError(ack.error.message);
  };

  return (
    <div className="phone" data-testid="participant-view">
      <div className="phone-head">
        <strong>{snapshot.title}</strong>
        <span className="muted">
          {nickname} · {snapshot.participants} here
        </span>
      </div>
      {!current ? (
        <div className="muted empty" data-testid="waiting">
          Waiting for the host to start a battle…
        </div>
      ) : (
        <>
          {battle && battle.turns.length > 1 ? (
            <div className="prompt-label" data-testid="phone-turn">
              Turn {battle.turns.length} of the conversation · the answers show every turn
            </div>
          ) : null}
          <div className="phone-prompt" data-testid="phone-prompt">
            {battle?.turns.at(-1)?.prompt ?? current.prompt}
          </div>
          {battle ? <BattleStatusLine snapshot={battle} /> : null}
          {current.models ? (
            <div className="reveal" data-testid="phone-reveal">
              A was <strong>{current.models.a.name}</strong>
              <br />B was <strong>{current.models.b.name}</strong>
              {myVote ? (
                <div className="muted">You voted: {CHOICES.find((c) => c.winner === myVote)?.label}</div>
              ) : null}
            </div>
          ) : null}
          {!current.models ? (
            <div className="phone-votes">
              {CHOICES.map(({ winner, label }) => (
                <button
                  key={winner}
                  className={`vote ${myVote === winner ? 'vote-chosen' : ''}`}
                  data-testid={`phone-vote-${winner.replace(/\W+/g, '-')}`}
                  disabled={busy || !!myVote || battle?.status !== 'voting'}
                  onClick={() => void vote(winner)}
                >
                  {label}
                </button>
              ))}
              <div className="muted" data-testid="phone-vote-hint">
                {myVote
                  ? 'Vote counted. The host reveals the models when the vote closes.'
                  : battle?.status === 'voting'
                    ? 'Which answer is better?'
                    : 'Voting opens once both answers have finished and run.'}
              </div>
            </div>
          ) : null}
          {voteError ? <div className="error banner">{voteError}</div> : null}
          <TallyChart tally={current.tally} />
          <button className="link" onClick={() => setShowAnswers((s) => !s)}>
            {showAnswers ? 'Hide' : 'Show'} the answers
          </button>
          {showAnswers && battle ? <BattleView snapshot={battle} /> : null}
        </>
      )}
    </div>
  );
}

export default function PlayPage() {
  return (
    <div className="page page-phone">
      <Suspense fallback={<div className="muted">Loading…</div>}>
        <Play />
      </Suspense>
    </div>
  );
}
