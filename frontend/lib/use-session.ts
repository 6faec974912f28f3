'use client';
import type {
  BattleRevealed,
  ErrorCode,
  SessionBattle,
  SessionSnapshot,
  SessionTallyEvent,
  SessionUpdateEvent,
} from '@arena/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorCodeOf } from './errors';
import { arenaSocket } from './socket';

const HOST_KEYS = 'arena.hostKeys';

/** Host keys are kept on the host's device only, by session id. */
export function saveHostKey(sessionId: string, hostKey: string): void {
  const keys = JSON.parse(window.localStorage.getItem(HOST_KEYS) ?? '{}') as Record<string, string>;
  keys[sessionId] = hostKey;
  window.localStorage.setItem(HOST_KEYS, JSON.stringify(keys));
}

export function loadHostKey(sessionId: string): string | undefined {
  const keys = JSON.parse(window.localStorage.getItem(HOST_KEYS) ?? '{}') as Record<string, string>;
  return keys[sessionId];
}

function withBattle(
  snapshot: SessionSnapshot,
  battleId: string,
  change: (battle: SessionBattle) => SessionBattle,
): SessionSnapshot {
  return { ...snapshot, battles: snapshot.battles.map((b) => (b.battleId === battleId ? change(b) : b)) };
}

/**
 * A session as one client sees it: `enter` joins (participant) or attaches (host) and returns the snapshot;
 * then state, tallies, participant counts and reveals are folded in as they arrive. After a reconnect that
 * could not be resumed, `enter` runs again.
 */
export function useSessionFeed<S extends SessionSnapshot>(
  enter: (() => Promise<S>) | undefined,
): {
  snapshot: S | undefined;
  error: string | undefined;
  errorCode: ErrorCode | undefined;
  removed: boolean;
  refresh: () => void;
} {
  const [snapshot, setSnapshot] = useState<S>();
  const [error, setError] = useState<string>();
  const [errorCode, setErrorCode] = useState<ErrorCode>();
  const [removed, setRemoved] = useState(false);
  const enterRef = useRef(enter);
  enterRef.current = enter;
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!enterRef.current) return;
    let live = true;
    let entered = false;
    let enteredId: string | undefined;
    const socket = arenaSocket();
    const run = (): void => {
      enterRef.current?.().then(
        (s) => {
          entered = true;
          enteredId = s.sessionId;
          if (live) {
            setSnapshot(s);
            setError(undefined);
            setErrorCode(undefined);
          }
        },
        (e: unknown) => {
          // A lost connection is not an answer: entering is tried again when it is back.
          if (live && socket.connected) {
            setError(e instanceof Error ? e.message : String(e));
            setErrorCode(errorCodeOf(e));
          }
        },
      );
    };
    const onState = (next: SessionSnapshot): void =>
      setSnapshot((prev) => (prev && prev.sessionId === next.sessionId ? { ...prev, ...next } : prev));
    const onTally = (t: SessionTallyEvent): void =>
      setSnapshot((prev) => {
        if (!prev || prev.sessionId !== t.sessionId) return prev;
        // Tallies only grow (but for a removed participant's withdrawn votes, sent after the removal).
        return withBattle(prev, t.battleId, (b) => ({ ...b, tally: { counts: t.counts, voters: t.voters } })) as S;
      });
    const onUpdate = (u: SessionUpdateEvent): void =>
      setSnapshot((prev) =>
        prev && prev.sessionId === u.sessionId
          ? { ...prev, participants: u.participants, ...('waitingCount' in prev ? { waitingCount: u.waiting } : {}) }
          : prev,
      );
    // Let in by the host: enter again for the snapshot that says so (and the votes it may now cast).
    const onAdmitted = (a: { sessionId: string }): void => {
      if (a.sessionId === enteredId) run();
    };
    const onRevealed = (r: BattleRevealed): void =>
      setSnapshot((prev) =>
        prev && r.sessionId === prev.sessionId
          ? (withBattle(prev, r.battleId, (b) => ({
              ...b,
              status: 'revealed',
              models: r.models,
              ...(r.winner ? { winner: r.winner } : {}),
            })) as S)
          : prev,
      );
    const onRemoved = (r: { sessionId: string }): void => {
      if (r.sessionId === enteredId) setRemoved(true);
    };
    const onConnect = (): void => {
      if (!socket.recovered || !entered) run();
    };
    socket.on('session:state', onState);
    socket.on('session:tally', onTally);
    socket.on('session:update', onUpdate);
    socket.on('battle:revealed', onRevealed);
    socket.on('session:removed', onRemoved);
    socket.on('session:admitted', onAdmitted);
    socket.on('connect', onConnect);
    if (socket.connected) run();
    return () => {
      live = false;
      socket.off('session:state', onState);
      socket.off('session:tally', onTally);
      socket.off('session:update', onUpdate);
      socket.off('battle:revealed', onRevealed);
      socket.off('session:removed', onRemoved);
      socket.off('session:admitted', onAdmitted);
      socket.off('connect', onConnect);
    };
  }, [round, enter === undefined]);

  const refresh = useCallback(() => setRound((r) => r + 1), []);
  return { snapshot, error, errorCode, removed, refresh };
}
