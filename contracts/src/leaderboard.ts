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
  /**
   * 'execution': execution control — the same contextual Bradley-Terry fit with the execution covariates of
   * each side's first-turn answer run (code present, ran ok, compile / runtime error, timed out, rendered,
   * install requested), so that whether the code ran no longer counts for the model. Combines with style=on.
   */
  control: z.enum(['none', 'execution']).optional(),
  /** 'on': FastChat's per-voter sequential anomaly test; the votes of flagged voters are left out. */
  anomaly: z.enum(['on', 'off']).optional(),
  /** 'on': FastChat's prompt de-duplication; prompts above the 99.99th percentile of frequency are down-sampled. */
  dedup: z.enum(['on', 'off']).optional(),
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
  /**
   * With control=execution: each covariate's coefficient, the change in log-odds of winning when one side has
   * the property (its code ran ok, …) and the other has not (e^β is the odds multiplier), and 95% intervals.
   */
  executionCoefficients?: ExecutionCoefficientsBody;
  executionIntervals?: Record<keyof ExecutionCoefficientsBody, { low: number; high: number }>;
  /** What the vote-integrity checks asked for (anomaly=on, dedup=on) removed, after the hygiene rules. */
  integrity?: { anomaly?: AnomalyReportBody; dedup?: DedupReportBody };
}

export interface ExecutionCoefficientsBody {
  code: number;
  ranOk: number;
  compileError: number;
  runtimeError: number;
  timedOut: number;
  rendered: number;
  installs: number;
}

export interface AnomalyReportBody {
  alpha: number;
  /** Voters with at least 5 votes (the ones tested). */
  votersChecked: number;
  /** Flagged voters (not named): how many votes each had and after how many the test rejected. */
  flagged: { votes: number; testedVotes: number }[];
  removedVotes: number;
}

export interface DedupReportBody {
  percentile: number;
  /** The percentile of the prompts' vote counts: a prompt asked more often keeps int(cutoff) of its votes. */
  cutoff: number;
  distinctPrompts: number;
  /** The down-sampled prompts (their first 120 characters), most frequent first. */
  highFrequency: { prompt: string; count: number; kept: number }[];
  removedVotes: number;
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
