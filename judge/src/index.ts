/**
 * LLM-as-judge, BigCodeReward agreement metrics and AutoCodeArena: depends on contracts, ranking and
 * sandboxes only. Arrives with the judge issue; the package exists now for the workspace and its boundaries.
 */
export const JUDGE_PACKAGE = '@arena/judge';
