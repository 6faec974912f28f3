import { z } from 'zod';
import { BattleId, BattleStatus, MAX_PROMPT_CHARS, ModelRef, PromptText, Winner } from './battle.js';

/** Join codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
export const JOIN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const JOIN_CODE_LENGTH = 6;
export const MAX_SESSION_TITLE_CHARS = 120;
export const MAX_NICKNAME_CHARS = 32;

const SessionId = z.uuid({ message: 'sessionId must be a session id (a UUID)' });
const HostKey = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'hostKey must be the key session:create returned');

export const SessionCreateInput = z.strictObject({
  title: z
    .string()
    .trim()
    .min(1, 'title must not be empty')
    .max(MAX_SESSION_TITLE_CHARS, `title must be at most ${MAX_SESSION_TITLE_CHARS} characters`),
});
export type SessionCreateInput = z.infer<typeof SessionCreateInput>;

export const SessionJoinInput = z.strictObject({
  joinCode: z.string().trim().toUpperCase().length(JOIN_CODE_LENGTH, `joinCode must be ${JOIN_CODE_LENGTH} characters`),
  nickname: z
    .string()
    .trim()
    .min(1, 'nickname must not be empty')
    .max(MAX_NICKNAME_CHARS, `nickname must be at most ${MAX_NICKNAME_CHARS} characters`),
});
export type SessionJoinInput = z.infer<typeof SessionJoinInput>;

/** The host comes back (another device, a reload) with the key it was given. */
export const SessionHostInput = z.strictObject({ sessionId: SessionId, hostKey: HostKey });
export type SessionHostInput = z.infer<typeof SessionHostInput>;

/** Start a battle in the session; without a prompt one is sampled. */
export const SessionBattleInput = z.strictObject({
  sessionId: SessionId,
  hostKey: HostKey,
  prompt: z
    .string()
    .trim()
    .min(1, 'prompt must not be empty')
    .max(MAX_PROMPT_CHARS, `prompt must be at most ${MAX_PROMPT_CHARS} characters`)
    .optional(),
  category: z.string().trim().min(1).max(64).optional(),
});
export type SessionBattleInput = z.infer<typeof SessionBattleInput>;

export const SessionVoteInput = z.strictObject({ sessionId: SessionId, battleId: BattleId, winner: Winner });
export type SessionVoteInput = z.infer<typeof SessionVoteInput>;

/** The host's follow-up turn on the session's current battle. */
export const SessionFollowupInput = z.strictObject({
  sessionId: SessionId,
  hostKey: HostKey,
  battleId: BattleId,
  prompt: PromptText,
});
export type SessionFollowupInput = z.infer<typeof SessionFollowupInput>;

export const SessionCloseInput = z.strictObject({ sessionId: SessionId, hostKey: HostKey, battleId: BattleId });
export type SessionCloseInput = z.infer<typeof SessionCloseInput>;

export const SessionRemoveInput = z.strictObject({
  sessionId: SessionId,
  hostKey: HostKey,
  participantId: z.uuid({ message: 'participantId must be a participant id (a UUID)' }),
});
export type SessionRemoveInput = z.infer<typeof SessionRemoveInput>;

export const SessionRefInput = z.strictObject({ sessionId: SessionId });
export type SessionRefInput = z.infer<typeof SessionRefInput>;

export type TallyCounts = Record<Winner, number>;
export interface Tally {
  counts: TallyCounts;
  voters: number;
}

export function emptyTally(): Tally {
  return { counts: { model_a: 0, model_b: 0, tie: 0, 'tie (bothbad)': 0 }, voters: 0 };
}

export interface SessionBattle {
  battleId: string;
  status: BattleStatus;
  prompt: string;
  /** Counts only, never who voted what. */
  tally: Tally;
  /** Present once the host has closed the vote. */
  models?: { a: ModelRef; b: ModelRef };
  winner?: Winner;
}

export interface SessionSnapshot {
  sessionId: string;
  title: string;
  joinCode: string;
  /** How many people have joined (and were not removed). */
  participants: number;
  currentBattleId?: string;
  battles: SessionBattle[];
  /** The caller's own vote on each battle it voted on, so a reconnecting phone shows what it chose. */
  myVotes?: Record<string, Winner>;
  /** The caller's participant id, when the caller is a participant. */
  participantId?: string;
  /** Set once an operator ended the session: nobody joins, starts a battle or votes any more. */
  endedAt?: string;
}

/** What the host (and only the host) sees: who is in the room, so it can remove someone. */
export interface SessionHostView extends SessionSnapshot {
  roster: { participantId: string; nickname: string }[];
  /** The arena's public address (`ARENA_PUBLIC_URL`) for the join link and QR code, when the operator set one. */
  publicUrl?: string;
}

export interface SessionTallyEvent extends Tally {
  sessionId: string;
  battleId: string;
}

export interface SessionUpdateEvent {
  sessionId: string;
  participants: number;
  currentBattleId?: string;
}

/** The summary page: every battle with its tally and the models, and a leaderboard of the session's votes. */
export interface SessionSummary {
  sessionId: string;
  title: string;
  createdAt: string;
  participants: number;
  battles: SessionBattle[];
  leaderboard: { model: ModelRef; wins: number; losses: number; ties: number; votes: number; score: number }[];
}
