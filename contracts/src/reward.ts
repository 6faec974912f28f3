/** BigCodeReward agreement of judges with human votes: the shapes `GET /api/reward/agreement` returns. */

export interface AgreementMetrics {
  n: number;
  accuracy: number;
  macroF1: number;
  kappa: number;
  mcc: number;
  /** Rows are the human labels. */
  confusion: { labels: string[]; matrix: number[][] };
}

export interface Interval {
  low: number;
  high: number;
}

export interface AgreementIntervals {
  rounds: number;
  fourClassAccuracy: Interval;
  fourClassKappa: Interval;
  fourClassMacroF1: Interval;
  threeClassAccuracy: Interval;
}

export interface BoardComparison {
  /** Models both boards rate, with each board's Bradley-Terry rating. */
  models: { model: string; human: number; judge: number }[];
  spearman: number;
  kendall: number;
}

export interface AgreementBreakdown {
  n: number;
  fourClass: AgreementMetrics;
  threeClass: AgreementMetrics;
}

export interface JudgeAgreement extends AgreementBreakdown {
  judge: string;
  mode: 'with_execution' | 'without_execution';
  byCategory: Record<string, AgreementBreakdown>;
}

export interface AgreementResponse {
  judges: (JudgeAgreement & {
    /** Battles this judge saw in both orders, and the share where the two verdicts differed. */
    positionBias: { n: number; rate: number };
    byEnvironment: Record<string, AgreementBreakdown>;
    /** Bootstrap 95% intervals of the headline metrics. */
    intervals: AgreementIntervals;
    /** The board this judge's verdicts imply (on every battle it judged) against the human board. */
    leaderboard: BoardComparison;
    /**
     * The verdicts made with screenshots (a vision judge with execution shown at least one side's picture, in
     * either order) apart from those made without; verdicts stored before the arena kept count are in neither.
     * A group with no verdict is left out.
     */
    byScreenshots: { with?: AgreementBreakdown; without?: AgreementBreakdown };
  })[];
  /** Per judge with both modes: with-execution minus without-execution, on the battles both modes judged. */
  executionDelta: {
    judge: string;
    n: number;
    fourClassAccuracy: number;
    threeClassAccuracy: number;
    fourClassMacroF1: number;
  }[];
  leftOut: { votesWithoutJudgement: number; judgementsWithoutVote: number };
}

/** One AutoCodeArena score: a model's win rate against the baseline with its 5–95% interval. */
export interface AutoArenaScore {
  model: string;
  winRate: number;
  low: number;
  high: number;
  rating: number;
  games: number;
}

export interface AutoArenaRun {
  /** The run's folder name. */
  name: string;
  baseline: string;
  prompts: number;
  updatedAt: string;
  overall: AutoArenaScore[];
  byCategory: Record<string, AutoArenaScore[]>;
}
