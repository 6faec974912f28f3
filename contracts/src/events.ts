import type {
  BattleCreateInput,
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
  RunOutput,
  RunRequestInput,
  RunStart,
} from './battle.js';
import type { ErrorBody } from './errors.js';

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
  'battle:watch': (payload: BattleRefInput, ack: AckCallback<{ snapshot: BattleSnapshot }>) => void;
  'battle:unwatch': (payload: BattleRefInput, ack: AckCallback<object>) => void;
  'battle:vote': (payload: BattleVoteInput, ack: AckCallback<{ models: { a: ModelRef; b: ModelRef } }>) => void;
  'run:request': (payload: RunRequestInput, ack: AckCallback<{ runId: string }>) => void;
  'preview:log': (payload: PreviewLogInput, ack: AckCallback<{ accepted: boolean }>) => void;
}

export interface ServerToClientEvents {
  session: (payload: { voterId: string }) => void;
  'battle:state': (payload: BattleSnapshot) => void;
  'gen:delta': (payload: GenDelta) => void;
  'gen:end': (payload: GenEnd) => void;
  'code:ready': (payload: CodeReady) => void;
  'run:start': (payload: RunStart) => void;
  'run:output': (payload: RunOutput) => void;
  'run:end': (payload: RunEnd) => void;
  'battle:status': (payload: BattleStatusEvent) => void;
  'battle:revealed': (payload: BattleRevealed) => void;
  'battle:presence': (payload: BattlePresence) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
