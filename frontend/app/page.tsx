'use client';
import type { PublicModel, SamplePrompt } from '@arena/contracts';
import { MAX_PROMPT_CHARS } from '@arena/contracts';
import { useEffect, useState } from 'react';
import { OwnBattle } from '../components/OwnBattle';
import { api } from '../lib/api';
import { BattleStore } from '../lib/battle-store';
import { actionMessage } from '../lib/errors';
import { arenaSocket } from '../lib/socket';
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
      const battleId = await next.create(prompt.trim());
      // The battle has its own address from the start: a reload or a return brings its creator back to it.
      window.history.replaceState(null, '', `/battle/?id=${encodeURIComponent(battleId)}`);
      setStore(next);
    } catch (e) {
      next.detach();
      setError(actionMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const snapshot = store?.state;
  if (store && snapshot) {
    return (
      <div className="page">
        <OwnBattle
          store={store}
          onNew={() => {
            window.history.replaceState(null, '', '/');
            setStore(undefined);
            setPrompt('');
          }}
        />
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
