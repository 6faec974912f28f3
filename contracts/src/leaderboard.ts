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
  /**
   * 'on': FastChat's style control — ratings from a Bradley-Terry fit that also weighs the differences in
   * answer length and markdown (headers, lists, bold), so those no longer count for the model.
   */
  style: z.enum(['on', 'off']).optional(),
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
  /**
   * With style=on: FastChat's style coefficients, each the change in log-odds of winning per standard
   * deviation of the normalised difference (a − b)/(a + b + 1) between the two answers, and their 95% intervals.
   */
  styleCoefficients?: StyleCoefficientsBody;
  styleIntervals?: Record<keyof StyleCoefficientsBody, { low: number; high: number }>;
}

export interface StyleCoefficientsBody {
  tokens: number;
  headers: number;
  lists: number;
  bold: number;
}

export interface MatrixResponse {
  kind: 'winrate' | 'count';
  models: string[];
  /** values[i][j]: row model against column model; null where undefined. */
  values: (number | null)[][];
}
