import { z } from 'zod';
import { BattleId, BattleStatus, MAX_PROMPT_CHARS, ModelRef, PromptText, Winner } from './battle.js';

/** Join codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
export const JOIN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const JOIN_CODE_LENGTH = 6;
export const MAX_SESSION_TITLE_CHARS = 120;
export const MAX_NICKNAME_CHARS = 32;

const SessionId = z.uuid({ message: 'sessionId must be a session id (a UUID)' });
const HostKey = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'hostKey must be the key session:create returned');

/**
 * Who gets in: `open`, anyone with the code (but people past the arena's per-network allowance, and anyone
 * joining from the network of someone the host removed, wait for the host); `approve`, everyone waits for
 * the host to let them in.
 */
export const JoinPolicy = z.enum(['open', 'approve'], { message: 'joinPolicy must be "open" or "approve"' });
export type JoinPolicy = z.infer<typeof JoinPolicy>;

export const SessionCreateInput = z.strictObject({
  title: z
    .string()
    .trim()
    .min(1, 'title must not be empty')
    .max(MAX_SESSION_TITLE_CHARS, `title must be at most ${MAX_SESSION_TITLE_CHARS} characters`),
  joinPolicy: JoinPolicy.optional(),
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

/** The host lets people who are waiting in (one, or everyone it lists). */
export const MAX_ADMIT_AT_ONCE = 1000;
export const SessionAdmitInput = z.strictObject({
  sessionId: SessionId,
  hostKey: HostKey,
  participantIds: z
    .array(z.uuid({ message: 'participantIds must be participant ids (UUIDs)' }))
    .min(1, 'participantIds must name at least one participant')
    .max(MAX_ADMIT_AT_ONCE, `participantIds must name at most ${MAX_ADMIT_AT_ONCE} participants`),
});
export type SessionAdmitInput = z.infer<typeof SessionAdmitInput>;

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
  /** Set when the caller joined but the host has not let it in yet: it watches, and cannot vote. */
  waiting?: boolean;
  /** How people get in (see `JoinPolicy`). */
  joinPolicy: JoinPolicy;
  /** Set once an operator ended the session: nobody joins, starts a battle or votes any more. */
  endedAt?: string;
}

/** Someone in the room, as the host sees them. */
export interface RosterEntry {
  participantId: string;
  nickname: string;
  /** Joined, and waiting for the host to let them in. */
  waiting?: boolean;
  /**
   * How many other people in the session (in or waiting) joined from the same network address: a crowd of
   * names from one address is one device or one building. The address itself is never shown.
   */
  sameNetwork: number;
}

/** What the host (and only the host) sees: who is in the room, so it can remove someone. */
export interface SessionHostView extends SessionSnapshot {
  roster: RosterEntry[];
  /** People waiting for the host to let them in (kept current by `session:update`). */
  waitingCount: number;
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
  /** People waiting for the host to let them in. */
  waiting: number;
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
