import { z } from 'zod';

const optionalText = z.string().trim().min(1).max(64).optional();

export const LeaderboardQuery = z.strictObject({
  category: optionalText,
  language: optionalText,
  environment: optionalText,
  /** 'true': only battles where both sides' code ran successfully; 'false': the others. */
  bothRan: z.enum(['true', 'false']).optional(),
  /** Votes from community voting sessions: counted (the default), left out, or the only ones counted. */
  sessions: z.enum(['include', 'exclude', 'only']).optional(),
  /** Conversations: battles of one user turn ('single') or of follow-ups too ('multi'). */
  turns: z.enum(['single', 'multi']).optional(),
});
export type LeaderboardQuery = z.infer<typeof LeaderboardQuery>;

export const MatrixQuery = LeaderboardQuery.extend({ kind: z.enum(['winrate', 'count']).default('winrate') });
export type MatrixQuery = z.infer<typeof MatrixQuery>;

export interface LeaderboardRowBody {
  rank: number;
  model: string;
  name: string;
  rating: number;
  ciLow: number;
  ciHigh: number;
  battles: number;
  winRate: number | null;
  provisional: boolean;
  /** Online Elo (K = 4, in vote order), for comparison. */
  elo: number;
}

export interface LeaderboardResponse {
  updatedAt: string;
  battles: number;
  rows: LeaderboardRowBody[];
  interval: 'bootstrap' | 'sandwich';
  bootstrapRounds: number;
  minBattles: number;
  /** Groups of models never compared with each other (ratings across groups are not comparable). */
  components: string[][];
  disconnected: boolean;
  hygiene: {
    input: number;
    kept: number;
    removed: { notAnonymous: number; identityRevealed: number; voterDailyCap: number; duplicatePrompt: number };
  };
  /** Values present in the data, for filters. */
  facets: { categories: string[]; languages: string[]; environments: string[] };
}

export interface MatrixResponse {
  kind: 'winrate' | 'count';
  models: string[];
  /** values[i][j]: row model against column model; null where undefined. */
  values: (number | null)[][];
}
