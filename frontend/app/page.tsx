'use client';
import type { PublicModel, SamplePrompt, Winner } from '@arena/contracts';
import { MAX_PROMPT_CHARS } from '@arena/contracts';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { BattleView } from '../components/BattleView';
import { VoteBar } from '../components/VoteBar';
import { api } from '../lib/api';
import { BattleStore } from '../lib/battle-store';
import { actionMessage } from '../lib/errors';
import { arenaSocket, battleMaxTurns } from '../lib/socket';
import { useStore } from '../lib/use-battle';

/** How much of the prompt limit is used; near the limit, how much is left and that the box stops there. */
function PromptCount({ length }: { length: number }) {
  const left = MAX_PROMPT_CHARS - length;
  if (length === 0) return <span className="muted keyboard-only">Ctrl+Enter to start</span>;
  if (left > MAX_PROMPT_CHARS * 0.1)
    return (
      <span className="muted">
        {length.toLocaleString('en')} / {MAX_PROMPT_CHARS.toLocaleString('en')} characters
      </span>
    );
  return (
    <span className="prompt-limit" data-testid="prompt-limit" role="status">
      {left.toLocaleString('en')} characters left · a prompt stops at {MAX_PROMPT_CHARS.toLocaleString('en')} characters
    </span>
  );
}

export default function ArenaPage() {
  const [prompt, setPrompt] = useState('');
  const [next, setNext] = useState('');
  const [samples, setSamples] = useState<SamplePrompt[]>([]);
  const [models, setModels] = useState<PublicModel[]>([]);
  const [store, setStore] = useState<BattleStore>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useStore(store);

  useEffect(() => {
    api.samples().then(setSamples, () => undefined);
    api.models().then(setModels, () => undefined);
    arenaSocket();
  }, []);
  useEffect(() => () => store?.detach(), [store]);

  const start = async (): Promise<void> => {
    setError(undefined);
    setBusy(true);
    const next = new BattleStore(arenaSocket());
    try {
      await next.create(prompt.trim());
      setStore(next);
    } catch (e) {
      next.detach();
      setError(actionMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const vote = async (winner: Winner): Promise<void> => {
    if (!store) return;
    setBusy(true);
    try {
      await store.vote(winner);
    } catch (e) {
      setError(actionMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const followup = async (): Promise<void> => {
    if (!store) return;
    setError(undefined);
    setBusy(true);
    try {
      await store.followup(next.trim());
      setNext('');
    } catch (e) {
      setError(actionMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const snapshot = store?.state;
  if (store && snapshot) {
    return (
      <div className="page">
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
            <button
              className="primary"
              data-testid="new-battle"
              onClick={() => {
                setStore(undefined);
                setPrompt('');
              }}
            >
              New battle
            </button>
          ) : null}
        </div>
      </div>
    );
  }

  const demo = models.length > 0 && models.every((m) => m.id.startsWith('demo-'));
  return (
    <div className="page hero">
      <h1>Which model writes better code?</h1>
      <p className="lead">
        Ask for a program. Two anonymous models answer side by side, their code runs in a sandbox, and you vote before
        you learn who they are.
      </p>
      {demo ? (
        <p className="demo-note">
          This arena is running its built-in <strong>scripted demo models</strong>. Configure real models with{' '}
          <code>ARENA_MODELS_FILE</code>.
        </p>
      ) : null}
      <form
        className="prompt-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (prompt.trim()) void start();
        }}
      >
        <label className="prompt-label-text" htmlFor="prompt-input">
          Your programming request
        </label>
        <textarea
          id="prompt-input"
          data-testid="prompt-input"
          value={prompt}
          maxLength={MAX_PROMPT_CHARS}
          placeholder="e.g. Write a function that finds all primes below 100 and prints them"
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey) && prompt.trim()) void start();
          }}
          rows={4}
        />
        <div className="form-row">
          <PromptCount length={prompt.length} />
          <button className="primary" type="submit" disabled={!prompt.trim() || busy} data-testid="start-battle">
            {busy ? 'Starting…' : 'Start battle ⚔'}
          </button>
        </div>
      </form>
      {error ? <div className="error banner">{error}</div> : null}
      {samples.length > 0 ? (
        <div className="samples">
          <div className="muted">Or try one of these:</div>
          <div className="chips">
            {samples.map((s) => (
              <button key={s.prompt} className="chip" onClick={() => setPrompt(s.prompt)} title={s.prompt}>
                {s.title}
              </button>
            ))}
          </div>
        </div>
      ) : null}
    </div>
  );
}
