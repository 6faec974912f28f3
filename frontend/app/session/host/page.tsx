'use client';
import { MAX_ADMIT_AT_ONCE, MAX_PROMPT_CHARS, type ErrorCode, type SessionHostView } from '@arena/contracts';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import QRCode from 'qrcode';
import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BattleView } from '../../../components/BattleView';
import { Problem } from '../../../components/Problem';
import { TallyChart } from '../../../components/TallyChart';
import { ArenaRequestError, actionMessage } from '../../../lib/errors';
import { arenaSocket, battleMaxTurns } from '../../../lib/socket';
import { useWatchedBattle } from '../../../lib/use-battle';
import { loadHostKey, saveHostKey, useSessionFeed } from '../../../lib/use-session';

/** Where phones join: the operator's public address when set (a phone cannot open the host's 127.0.0.1). */
function joinBase(publicUrl: string | undefined): string {
  return publicUrl ?? window.location.origin;
}

function joinUrl(code: string, publicUrl: string | undefined): string {
  return `${joinBase(publicUrl)}/session/play/?code=${code}`;
}

/** The host's view, made for a projector: both panes large, the tally, the join code and its QR code. */
function Host() {
  const sessionId = useSearchParams().get('id') ?? undefined;
  const [hostKey, setHostKey] = useState<string>();
  useEffect(() => {
    if (!sessionId) return;
    // A host link carries the key in its fragment (never sent to the server): keep it on this device.
    const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('key');
    if (fromLink) {
      saveHostKey(sessionId, fromLink);
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    setHostKey(fromLink ?? loadHostKey(sessionId));
  }, [sessionId]);

  const enter = useMemo(
    () =>
      sessionId && hostKey
        ? async (): Promise<SessionHostView> => {
            const ack = await arenaSocket().emitWithAck('session:host', { sessionId, hostKey });
            if (!ack.ok) throw new ArenaRequestError(ack.error.code, ack.error.message);
            return ack.snapshot;
          }
        : undefined,
    [sessionId, hostKey],
  );
  const { snapshot, error, errorCode, refresh } = useSessionFeed(enter);
  const battleStore = useWatchedBattle(snapshot?.currentBattleId);
  const battle = battleStore?.state;
  const current = snapshot?.battles.find((b) => b.battleId === snapshot.currentBattleId);
  const [prompt, setPrompt] = useState('');
  const [followupText, setFollowupText] = useState('');
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const [qr, setQr] = useState<string>();
  const [showRoster, setShowRoster] = useState(false);

  // The roster comes with the host's snapshot; counts (in, and waiting to be let in) arrive live. While the
  // roster is open, or someone waits, counts that differ from it ask for a fresh one, so people appear as
  // they join (and go as they leave).
  const people = snapshot ? snapshot.participants + snapshot.waitingCount : undefined;
  const waitingCount = snapshot?.waitingCount ?? 0;
  const rosterLength = snapshot?.roster.length;
  const asked = useRef<number | undefined>(undefined);
  useEffect(() => {
    if ((!showRoster && waitingCount === 0) || people === undefined || people === rosterLength) return;
    // Once per count: a roster that still differs (someone left between) waits for the next change.
    if (asked.current === people) return;
    asked.current = people;
    refresh();
  }, [showRoster, waitingCount, people, rosterLength, refresh]);

  useEffect(() => {
    if (!snapshot?.joinCode) return;
    void QRCode.toString(joinUrl(snapshot.joinCode, snapshot.publicUrl), { type: 'svg', margin: 1 }).then(setQr);
  }, [snapshot?.joinCode, snapshot?.publicUrl]);

  const act = useCallback(async (fn: () => Promise<{ ok: boolean; error?: { code: ErrorCode; message: string } }>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      const ack = await fn();
      if (!ack.ok) setActionError(ack.error ? actionMessage(ack.error) : 'refused');
    } finally {
      setBusy(false);
    }
  }, []);

  const away = [
    { href: '/session/', label: 'Host a new session' },
    { href: '/', label: 'Start a battle' },
  ];
  if (!sessionId) return <Problem title="No session given" links={away} />;
  if (!hostKey)
    return (
      <Problem title="This device is not the host of this session" links={away}>
        <p className="muted">
          Only the device that created a session holds its host key. Open the host link (under “manage participants” on
          the host&apos;s screen) to host from here.
        </p>
      </Problem>
    );
  if (error)
    return errorCode === 'not_found' || errorCode === 'invalid_input' ? (
      <Problem title="There is no session at this address" links={away}>
        <p className="muted">The link may be incomplete, or the session was never started on this arena.</p>
      </Problem>
    ) : (
      <Problem title="This session cannot be hosted from here" links={away}>
        <p className="muted">{actionMessage(new ArenaRequestError(errorCode, error))}</p>
      </Problem>
    );
  if (!snapshot) return <div className="muted">Connecting…</div>;

  // Live status comes with the battle's frames; the session snapshot has it as of the last session event.
  const liveStatus = current?.status === 'revealed' ? 'revealed' : (battle?.status ?? current?.status);
  const open = liveStatus === 'generating' || liveStatus === 'running' || liveStatus === 'voting';
  const start = (sample: boolean): Promise<void> =>
    act(async () => {
      const ack = await arenaSocket().emitWithAck('session:battle', {
        sessionId,
        hostKey,
        ...(sample || !prompt.trim() ? {} : { prompt: prompt.trim() }),
      });
      if (ack.ok) setPrompt('');
      return ack;
    });

  return (
    <div className="projector" data-testid="host-view">
      <div className="projector-head">
        <div>
          <h1 className="page-title" data-testid="session-title-shown">
            {snapshot.title}
          </h1>
          <div className="muted">
            <span data-testid="participants">{snapshot.participants}</span> joined
            {snapshot.joinPolicy === 'approve' ? ' (you let each person in)' : ''} ·{' '}
            <Link href={`/session/summary/?id=${sessionId}`}>summary</Link> ·{' '}
            <button className="link" onClick={() => setShowRoster((s) => !s)}>
              {showRoster ? 'hide' : 'manage'} participants
            </button>
          </div>
        </div>
        <div className="join-box">
          <div className="join-label" data-testid="join-label">
            Join at {typeof window === 'undefined' ? '' : new URL(joinBase(snapshot.publicUrl)).host}/session with
          </div>
          <div className="join-code" data-testid="join-code-shown">
            {snapshot.joinCode}
          </div>
        </div>
        {qr ? <div className="qr" data-testid="join-qr" dangerouslySetInnerHTML={{ __html: qr }} /> : null}
      </div>
      {actionError ? <div className="error banner">{actionError}</div> : null}
      {showRoster ? (
        <div className="muted host-link">
          To host from another device, open:{' '}
          <code data-testid="host-link">{`${joinBase(snapshot.publicUrl)}/session/host/?id=${sessionId}#key=${hostKey}`}</code>{' '}
          (keep it to yourself: it is the host key)
        </div>
      ) : null}
      {waitingCount > 0 ? (
        <div className="card admission" data-testid="admission-queue" role="status">
          <strong>
            {waitingCount} {waitingCount === 1 ? 'person is' : 'people are'} waiting to be let in
          </strong>
          <span className="muted">
            {snapshot.joinPolicy === 'approve'
              ? 'You let each person in.'
              : 'More people joined from one network than the arena lets in by themselves.'}{' '}
            Many names from one network can be one person with many browsers.
          </span>
          <span className="admission-actions">
            <button
              className="primary"
              data-testid="admit-all"
              disabled={busy}
              onClick={() =>
                void act(() =>
                  arenaSocket().emitWithAck('session:admit', {
                    sessionId,
                    hostKey,
                    participantIds: snapshot.roster
                      .filter((p) => p.waiting)
                      .slice(0, MAX_ADMIT_AT_ONCE)
                      .map((p) => p.participantId),
                  }),
                )
              }
            >
              Let everyone waiting in
            </button>
            {!showRoster ? (
              <button className="secondary" onClick={() => setShowRoster(true)}>
                See who
              </button>
            ) : null}
          </span>
        </div>
      ) : null}
      {showRoster ? (
        <ul className="roster" data-testid="roster">
          {snapshot.roster.map((p) => (
            <li key={p.participantId} data-testid={p.waiting ? 'roster-waiting' : 'roster-in'}>
              {p.nickname}
              {p.waiting ? <span className="pill roster-pill">waiting</span> : null}
              {p.sameNetwork > 0 ? (
                <span className="muted" title="joined from the same network address">
                  {' '}
                  (+{p.sameNetwork} on its network)
                </span>
              ) : null}{' '}
              {p.waiting ? (
                <button
                  className="link"
                  onClick={() =>
                    void act(() =>
                      arenaSocket().emitWithAck('session:admit', {
                        sessionId,
                        hostKey,
                        participantIds: [p.participantId],
                      }),
                    )
                  }
                >
                  let in
                </button>
              ) : null}{' '}
              <button
                className="link"
                onClick={() =>
                  void act(async () => {
                    const ack = await arenaSocket().emitWithAck('session:remove', {
                      sessionId,
                      hostKey,
                      participantId: p.participantId,
                    });
                    refresh();
                    return ack;
                  })
                }
              >
                remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {!open ? (
        <form
          className="host-start"
          onSubmit={(e) => {
            e.preventDefault();
            void start(false);
          }}
        >
          <label className="sr-only" htmlFor="host-prompt">
            Programming request for both models
          </label>
          <input
            id="host-prompt"
            data-testid="host-prompt"
            placeholder="Type a programming request for both models…"
            value={prompt}
            maxLength={MAX_PROMPT_CHARS}
            onChange={(e) => setPrompt(e.target.value)}
          />
          <button className="primary" data-testid="host-start" disabled={busy || !prompt.trim()}>
            Start battle
          </button>
          <button
            type="button"
            className="secondary"
            data-testid="host-sample"
            disabled={busy}
            onClick={() => void start(true)}
          >
            Sample a prompt
          </button>
        </form>
      ) : null}
      {current && liveStatus === 'voting' && (battle?.turns.length ?? 0) < battleMaxTurns() ? (
        <form
          className="host-start"
          data-testid="host-followup-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              const ack = await arenaSocket().emitWithAck('session:followup', {
                sessionId,
                hostKey,
                battleId: current.battleId,
                prompt: followupText.trim(),
              });
              if (ack.ok) setFollowupText('');
              return ack;
            });
          }}
        >
          <label className="sr-only" htmlFor="host-followup">
            Follow-up request for both models
          </label>
          <input
            id="host-followup"
            data-testid="host-followup"
            placeholder="Ask both models for a change before the vote…"
            value={followupText}
            maxLength={MAX_PROMPT_CHARS}
            onChange={(e) => setFollowupText(e.target.value)}
          />
          <button className="primary" data-testid="host-send-followup" disabled={busy || !followupText.trim()}>
            Send follow-up
          </button>
        </form>
      ) : null}
      {current ? (
        <div className="projector-battle">
          <div className="projector-tally">
            <TallyChart tally={current.tally} big />
            {liveStatus === 'voting' ? (
              <button
                className="primary"
                data-testid="host-close"
                disabled={busy}
                onClick={() =>
                  void act(() =>
                    arenaSocket().emitWithAck('session:close', { sessionId, hostKey, battleId: current.battleId }),
                  )
                }
              >
                Close the vote and reveal
              </button>
            ) : null}
            {current.models ? (
              <div className="reveal" data-testid="host-reveal">
                A was <strong>{current.models.a.name}</strong>, B was <strong>{current.models.b.name}</strong>
              </div>
            ) : null}
          </div>
          {battle ? <BattleView snapshot={battle} canRun /> : <div className="muted">Loading the battle…</div>}
        </div>
      ) : (
        <div className="muted empty">Start the first battle: everyone who joined watches it live and votes.</div>
      )}
    </div>
  );
}

export default function HostPage() {
  return (
    <div className="page page-wide">
      <Suspense fallback={<div className="muted">Loading…</div>}>
        <Host />
      </Suspense>
    </div>
  );
}
