'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { arenaSocket } from '../../lib/socket';
import { saveHostKey } from '../../lib/use-session';

const NICKNAME_KEY = 'arena.nickname';

/** Start a community voting session, or join one with its code. */
export default function SessionsPage() {
  const router = useRouter();
  const [title, setTitle] = useState('');
  const [code, setCode] = useState('');
  const [nickname, setNickname] = useState(() =>
    typeof window === 'undefined' ? '' : (window.localStorage.getItem(NICKNAME_KEY) ?? ''),
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const host = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const ack = await arenaSocket().emitWithAck('session:create', { title });
    setBusy(false);
    if (!ack.ok) return setError(ack.error.message);
    saveHostKey(ack.sessionId, ack.hostKey);
    router.push(`/session/host/?id=${ack.sessionId}`);
  };

  const join = (): void => {
    window.localStorage.setItem(NICKNAME_KEY, nickname.trim());
    router.push(`/session/play/?code=${encodeURIComponent(code.trim().toUpperCase())}`);
  };

  return (
    <div className="page session-start">
      <h2>Community voting sessions</h2>
      <p className="muted">
        A room votes together: the host puts two anonymous models on the big screen, everyone votes from their phone,
        and the host reveals the models with the room&apos;s tally.
      </p>
      {error ? <div className="error banner">{error}</div> : null}
      <div className="session-forms">
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void host();
          }}
        >
          <h3>Host a session</h3>
          <input
            data-testid="session-title"
            placeholder="Title, e.g. Friday meetup"
            value={title}
            maxLength={120}
            onChange={(e) => setTitle(e.target.value)}
          />
          <button data-testid="session-create" disabled={busy || !title.trim()}>
            Start a session
          </button>
        </form>
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            join();
          }}
        >
          <h3>Join a session</h3>
          <input
            data-testid="join-code"
            placeholder="Join code"
            value={code}
            maxLength={6}
            autoCapitalize="characters"
            onChange={(e) => setCode(e.target.value)}
          />
          <input
            data-testid="join-nickname"
            placeholder="Your nickname"
            value={nickname}
            maxLength={32}
            onChange={(e) => setNickname(e.target.value)}
          />
          <button data-testid="join-submit" disabled={code.trim().length !== 6 || !nickname.trim()}>
            Join
          </button>
        </form>
      </div>
    </div>
  );
}
