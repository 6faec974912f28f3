import type {
  BattleCreateInput,
  BattleFollowupInput,
  BattlePresence,
  BattleRefInput,
  BattleRevealed,
  BattleSnapshot,
  BattleStatusEvent,
  BattleVoteInput,
  CodeReady,
  GenDelta,
  GenEnd,
  ModelRef,
  RunEnd,
  PreviewLogInput,
  PreviewInteractionInput,
  RunControlInput,
  RunOutput,
  RunRequestInput,
  RunScreenshot,
  RunFigure,
  RunStart,
} from './battle.js';
import type { ErrorBody } from './errors.js';
import type {
  SessionBattleInput,
  SessionCloseInput,
  SessionCreateInput,
  SessionFollowupInput,
  SessionHostInput,
  SessionHostView,
  SessionJoinInput,
  SessionRefInput,
  SessionRemoveInput,
  SessionAdmitInput,
  SessionSnapshot,
  SessionTallyEvent,
  SessionUpdateEvent,
  SessionVoteInput,
  Tally,
} from './session.js';

export const PROTOCOL_VERSION = 1;
export const ARENA_NAMESPACE = '/arena';

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckCallback<T> = (ack: Ack<T>) => void;

/** Handshake `auth` of the `/arena` namespace. */
export interface HandshakeAuth {
  protocol: number;
  voterId?: string;
}

export interface ClientToServerEvents {
  'battle:create': (payload: BattleCreateInput, ack: AckCallback<{ battleId: string }>) => void;
  /** `yours`: the watcher started this battle (outside a voting session), so it may vote on it and continue it. */
  'battle:watch': (payload: BattleRefInput, ack: AckCallback<{ snapshot: BattleSnapshot; yours: boolean }>) => void;
  'battle:unwatch': (payload: BattleRefInput, ack: AckCallback<object>) => void;
  /** A follow-up turn (the creator, once the current turn has finished, before the vote). */
  'battle:followup': (payload: BattleFollowupInput, ack: AckCallback<{ turn: number }>) => void;
  'battle:vote': (payload: BattleVoteInput, ack: AckCallback<{ models: { a: ModelRef; b: ModelRef } }>) => void;
  'run:request': (payload: RunRequestInput, ack: AckCallback<{ runId: string }>) => void;
  'preview:log': (payload: PreviewLogInput, ack: AckCallback<{ accepted: boolean }>) => void;
  'preview:interaction': (payload: PreviewInteractionInput, ack: AckCallback<{ accepted: boolean }>) => void;
  /** The control URL of a run's virtual display (`preview.kind === 'display'`): the battle's creator only. */
  'run:control': (payload: RunControlInput, ack: AckCallback<{ url: string }>) => void;
  'session:create': (
    payload: SessionCreateInput,
    ack: AckCallback<{ sessionId: string; joinCode: string; hostKey: string }>,
  ) => void;
  'session:join': (payload: SessionJoinInput, ack: AckCallback<{ snapshot: SessionSnapshot }>) => void;
  /** The host (re)attaches with its key: from another device, after a reload or a reconnect. */
  'session:host': (payload: SessionHostInput, ack: AckCallback<{ snapshot: SessionHostView }>) => void;
  'session:battle': (payload: SessionBattleInput, ack: AckCallback<{ battleId: string }>) => void;
  'session:followup': (payload: SessionFollowupInput, ack: AckCallback<{ turn: number }>) => void;
  'session:vote': (payload: SessionVoteInput, ack: AckCallback<object>) => void;
  'session:close': (
    payload: SessionCloseInput,
    ack: AckCallback<{ tally: Tally; models: { a: ModelRef; b: ModelRef } }>,
  ) => void;
  'session:remove': (payload: SessionRemoveInput, ack: AckCallback<object>) => void;
  /** The host lets waiting people in; `admitted` counts those who were waiting (not removed, not already in). */
  'session:admit': (payload: SessionAdmitInput, ack: AckCallback<{ admitted: number }>) => void;
  'session:leave': (payload: SessionRefInput, ack: AckCallback<object>) => void;
}

export interface ServerToClientEvents {
  /** Sent once a socket connects: who it votes as, and how many user turns a battle may have. */
  session: (payload: { voterId: string; maxTurns: number }) => void;
  'battle:state': (payload: BattleSnapshot) => void;
  'gen:delta': (payload: GenDelta) => void;
  'gen:end': (payload: GenEnd) => void;
  'code:ready': (payload: CodeReady) => void;
  'run:start': (payload: RunStart) => void;
  'run:output': (payload: RunOutput) => void;
  'run:end': (payload: RunEnd) => void;
  'run:screenshot': (payload: RunScreenshot) => void;
  'run:figure': (payload: RunFigure) => void;
  'battle:status': (payload: BattleStatusEvent) => void;
  'battle:revealed': (payload: BattleRevealed) => void;
  'battle:presence': (payload: BattlePresence) => void;
  /** The session changed (a battle started or was closed): the whole public snapshot. */
  'session:state': (payload: SessionSnapshot) => void;
  'session:tally': (payload: SessionTallyEvent) => void;
  /** Participant count changes, coalesced. */
  'session:update': (payload: SessionUpdateEvent) => void;
  /** Sent to a participant the host removed. */
  'session:removed': (payload: { sessionId: string }) => void;
  /** Sent to a waiting participant the host let in: it may vote now. */
  'session:admitted': (payload: { sessionId: string }) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

export type ClientEventName = keyof ClientToServerEvents;
/** What the server acknowledges a client event with, on success (from the event's ack callback type). */
export type AckBody<E extends ClientEventName> =
  Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer T> ? T : never;
