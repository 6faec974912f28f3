'use client';
import type { SessionSnapshot, Winner } from '@arena/contracts';
import type { ReactNode } from 'react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useMemo, useState } from 'react';
import { BattleStatusLine, BattleView } from '../../../components/BattleView';
import { Problem } from '../../../components/Problem';
import { TallyChart } from '../../../components/TallyChart';
import { ArenaRequestError, actionMessage } from '../../../lib/errors';
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

/** A wrong or missing join code is not a dead end: type it again here. */
function CodeForm({ code, title, children }: { code: string; title: string; children?: ReactNode }) {
  const router = useRouter();
  const [draft, setDraft] = useState(code);
  return (
    <div className="problem" data-testid="problem">
      <h1>{title}</h1>
      {children}
      <form
        className="code-again"
        onSubmit={(e) => {
          e.preventDefault();
          router.push(`/session/play/?code=${encodeURIComponent(draft.trim().toUpperCase())}`);
        }}
      >
        <label className="field">
          <span>Join code</span>
          <input
            data-testid="play-code"
            value={draft}
            maxLength={6}
            autoCapitalize="characters"
            autoComplete="off"
            className="code-field"
            onChange={(e) => setDraft(e.target.value)}
          />
        </label>
        <button className="primary" disabled={draft.trim().length !== 6}>
          Join
        </button>
      </form>
      <p className="problem-links">
        <Link href="/session/">Host or join a session</Link>
        <Link href="/">Start a battle of your own</Link>
      </p>
    </div>
  );
}

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
            if (!ack.ok) throw new ArenaRequestError(ack.error.code, ack.error.message);
            return ack.snapshot;
          }
        : undefined,
    [code, nickname],
  );
  const { snapshot, error, errorCode, removed } = useSessionFeed(enter);
  const store = useWatchedBattle(snapshot?.currentBattleId);
  const battle = store?.state;
  const current = snapshot?.battles.find((b) => b.battleId === snapshot.currentBattleId);
  const [mine, setMine] = useState<Record<string, Winner>>({});
  const [voteError, setVoteError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [showAnswers, setShowAnswers] = useState(false);

  if (!code) return <CodeForm code="" title="Join a session" />;
  if (!nickname)
    return (
      <form
        className="card form-card phone-join"
        onSubmit={(e) => {
          e.preventDefault();
          window.localStorage.setItem(NICKNAME_KEY, draft.trim());
          setNickname(draft.trim());
        }}
      >
        <h1 className="page-title">Join session {code}</h1>
        <label className="field">
          <span>Your nickname</span>
          <input
            data-testid="play-nickname"
            placeholder="shown to the host only"
            value={draft}
            maxLength={32}
            onChange={(e) => setDraft(e.target.value)}
          />
        </label>
        <button className="primary" data-testid="play-join" disabled={!draft.trim()}>
          Join
        </button>
      </form>
    );
  if (removed)
    return (
      <Problem
        title="The host removed you from this session"
        links={[{ href: '/', label: 'Start a battle of your own' }]}
      />
    );
  if (error)
    return errorCode === 'not_found' || errorCode === 'invalid_input' ? (
      <CodeForm code={code} title={`No session with the code ${code}`}>
        <p className="muted">Check the code on the host&apos;s screen and type it again.</p>
      </CodeForm>
    ) : (
      <CodeForm code={code} title="Could not join this session">
        <p className="muted">{actionMessage(new ArenaRequestError(errorCode, error))}</p>
      </CodeForm>
    );
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
    if (!ack.ok && ack.error.code !== 'already_voted') setVoteError(actionMessage(ack.error));
  };

  return (
    <div className="phone" data-testid="participant-view">
      <div className="phone-head">
        <h1 className="phone-title">{snapshot.title}</h1>
        <span className="muted">
          {nickname} · {snapshot.participants} here
        </span>
      </div>
      {snapshot.waiting ? (
        <div className="card admission" data-testid="admission-waiting" role="status">
          <strong>Waiting for the host to let you in.</strong>
          <span className="muted">
            {snapshot.joinPolicy === 'approve'
              ? 'The host lets each person in.'
              : 'Many people have joined from your network, so the host lets the rest in.'}{' '}
            You can watch meanwhile; your vote counts once you are in.
          </span>
        </div>
      ) : null}
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
                  disabled={busy || !!myVote || battle?.status !== 'voting' || snapshot.waiting}
                  onClick={() => void vote(winner)}
                >
                  {label}
                </button>
              ))}
              <div className="muted" data-testid="phone-vote-hint">
                {myVote
                  ? 'Vote counted. The host reveals the models when the vote closes.'
                  : snapshot.waiting
                    ? 'You can vote once the host lets you in.'
                    : battle?.status === 'voting'
                      ? 'Which answer is better?'
                      : 'Voting opens once both answers have finished and run.'}
              </div>
            </div>
          ) : null}
          {voteError ? <div className="error banner">{voteError}</div> : null}
          {/* The room's tally only after this phone's own vote (or the reveal): no herding. */}
          {myVote || current.models ? <TallyChart tally={current.tally} /> : null}
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
