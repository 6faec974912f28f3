/**
 * `GET /api/models/:modelId/profile`: how a model's code fares when the arena runs it, over the battles of the
 * `battles` data set (revealed, shown, with a counted vote). An answer is one side's message of one turn; its
 * run is the model's own (origin `answer`); re-runs from the UI are counted apart.
 */

/** A share with its 95% Wilson score interval. */
export interface ShareBody {
  count: number;
  of: number;
  /** count / of; null when of = 0. */
  share: number | null;
  low: number | null;
  high: number | null;
}

/** A quantile (pandas' linear interpolation) with its distribution-free 95% interval from order statistics. */
export interface QuantileBody {
  value: number | null;
  low: number | null;
  high: number | null;
}

export interface ProfileGroupBody {
  answers: number;
  /** Answers whose code the arena extracted and ran. */
  withCode: ShareBody;
  /** Of the answer runs that finished: how they ended. */
  finishedRuns: number;
  ok: ShareBody;
  compileError: ShareBody;
  runtimeError: ShareBody;
  timeout: ShareBody;
  memoryLimit: ShareBody;
  unsupported: ShareBody;
  /** Of the answer runs the sandbox measured. */
  cpuMs: { runs: number; median: QuantileBody; p90: QuantileBody };
  peakMemoryBytes: { runs: number; median: QuantileBody; p90: QuantileBody };
}

export interface ModelProfileResponse {
  model: string;
  name: string;
  battles: number;
  overall: ProfileGroupBody;
  /** By the language of the extracted code (answers with code only). */
  byLanguage: Record<string, ProfileGroupBody>;
  /** By execution environment (answers with code only). */
  byEnvironment: Record<string, ProfileGroupBody>;
  reruns: {
    /** Re-runs of this model's code from the UI. */
    runs: number;
    /** Of them, runs of edited code. */
    edited: number;
    /** Answers with code that were re-run at least once. */
    answersRerun: ShareBody;
    /** Of the answers whose own run failed (finished, not ok) and that were re-run edited: how many an edited re-run fixed (ended ok). */
    rescued: ShareBody;
  };
}
