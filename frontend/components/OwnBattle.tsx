'use client';
import { MAX_PROMPT_CHARS, type Winner } from '@arena/contracts';
import Link from 'next/link';
import { useState } from 'react';
import type { BattleStore } from '../lib/battle-store';
import { actionMessage } from '../lib/errors';
import { battleMaxTurns } from '../lib/socket';
import { useStore } from '../lib/use-battle';
import { BattleView } from './BattleView';
import { VoteBar } from './VoteBar';

/**
 * A battle as the person who started it sees it, right after starting it or back at its address later: the
 * panes with run controls, the vote, the follow-up box, the link to share.
 */
export function OwnBattle({ store, onNew }: { store: BattleStore; onNew?: () => void }) {
  const [next, setNext] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useStore(store);
  const snapshot = store.state;
  if (!snapshot) return null;

  const act = async (action: () => Promise<unknown>, after?: () => void): Promise<void> => {
    setError(undefined);
    setBusy(true);
    try {
      await action();
      after?.();
    } catch (e) {
      setError(actionMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const vote = (winner: Winner): Promise<void> => act(() => store.vote(winner));
  const followup = (): Promise<void> =>
    act(
      () => store.followup(next.trim()),
      () => setNext(''),
    );

  return (
    <>
      <h1 className="sr-only">Your battle</h1>
      <BattleView snapshot={snapshot} canRun />
      {error ? <div className="error banner">{error}</div> : null}
      <VoteBar status={snapshot.status} busy={busy} onVote={(w) => void vote(w)} />
      {snapshot.status === 'voting' && snapshot.turns.length < battleMaxTurns() ? (
        <form
          className="prompt-form followup-form"
          data-testid="followup-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (next.trim()) void followup();
          }}
        >
          <label className="sr-only" htmlFor="followup-input">
            Follow-up request for both models
          </label>
          <textarea
            id="followup-input"
            data-testid="followup-input"
            value={next}
            maxLength={MAX_PROMPT_CHARS}
            placeholder="Not done yet? Ask both models for a change, e.g. “add a reset button”. You vote on the whole conversation."
            onChange={(e) => setNext(e.target.value)}
            rows={2}
          />
          <div className="form-row">
            <span className="muted">Turn {snapshot.turns.length + 1} · both models see their own conversation</span>
            <button className="primary" type="submit" disabled={!next.trim() || busy} data-testid="send-followup">
              Send follow-up
            </button>
          </div>
        </form>
      ) : null}
      <div className="after">
        <Link href={`/battle/?id=${snapshot.battleId}`} target="_blank" className="muted" data-testid="share-link">
          Share a live view of this battle ↗
        </Link>
        {snapshot.status === 'revealed' || snapshot.status === 'failed' ? (
          onNew ? (
            <button className="primary" data-testid="new-battle" onClick={onNew}>
              New battle
            </button>
          ) : (
            <Link className="primary" data-testid="new-battle" href="/">
              New battle
            </Link>
          )
        ) : null}
      </div>
    </>
  );
}
