'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { actionMessage } from '../../lib/errors';
import { arenaSocket } from '../../lib/socket';
import { saveHostKey } from '../../lib/use-session';

const NICKNAME_KEY = 'arena.nickname';

/** Start a community voting session, or join one with its code. */
export default function SessionsPage() {
  const router = useRouter();
  const [title, setTitle] = useState('');
  const [approve, setApprove] = useState(false);
  const [code, setCode] = useState('');
  const [nickname, setNickname] = useState(() =>
    typeof window === 'undefined' ? '' : (window.localStorage.getItem(NICKNAME_KEY) ?? ''),
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const host = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const ack = await arenaSocket().emitWithAck('session:create', {
      title,
      joinPolicy: approve ? 'approve' : 'open',
    });
    setBusy(false);
    if (!ack.ok) return setError(actionMessage(ack.error));
    saveHostKey(ack.sessionId, ack.hostKey);
    router.push(`/session/host/?id=${ack.sessionId}`);
  };

  const join = (): void => {
    window.localStorage.setItem(NICKNAME_KEY, nickname.trim());
    router.push(`/session/play/?code=${encodeURIComponent(code.trim().toUpperCase())}`);
  };

  return (
    <div className="page session-start">
      <h1 className="page-title">Community voting sessions</h1>
      <p className="muted">
        A room votes together: the host puts two anonymous models on the big screen, everyone votes from their phone,
        and the host reveals the models with the room&apos;s tally.
      </p>
      {error ? <div className="error banner">{error}</div> : null}
      <div className="session-forms">
        <form
          className="card form-card"
          onSubmit={(e) => {
            e.preventDefault();
            void host();
          }}
        >
          <h2>Host a session</h2>
          <p className="muted">You get a join code and a QR code to show the room.</p>
          <label className="field">
            <span>Session title</span>
            <input
              data-testid="session-title"
              placeholder="e.g. Friday meetup"
              value={title}
              maxLength={120}
              onChange={(e) => setTitle(e.target.value)}
            />
          </label>
          <label className="check-field">
            <input
              type="checkbox"
              data-testid="session-approve"
              checked={approve}
              onChange={(e) => setApprove(e.target.checked)}
            />
            <span>
              Let each person in myself
              <small className="muted">
                {' '}
                Otherwise anyone with the code comes in, up to a few per network; the rest wait for you.
              </small>
            </span>
          </label>
          <button className="primary" data-testid="session-create" disabled={busy || !title.trim()}>
            Start a session
          </button>
        </form>
        <form
          className="card form-card"
          onSubmit={(e) => {
            e.preventDefault();
            join();
          }}
        >
          <h2>Join a session</h2>
          <p className="muted">The host shows the six-letter code on the big screen.</p>
          <label className="field">
            <span>Join code</span>
            <input
              data-testid="join-code"
              placeholder="K7QM2X"
              value={code}
              maxLength={6}
              autoCapitalize="characters"
              autoComplete="off"
              className="code-field"
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Your nickname</span>
            <input
              data-testid="join-nickname"
              placeholder="shown to the host only"
              value={nickname}
              maxLength={32}
              onChange={(e) => setNickname(e.target.value)}
            />
          </label>
          <button className="primary" data-testid="join-submit" disabled={code.trim().length !== 6 || !nickname.trim()}>
            Join
          </button>
        </form>
      </div>
    </div>
  );
}
