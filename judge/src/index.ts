/**
 * Judging battles; the backend's judge service, `arena reward` and `arena autoarena` use it, supplying the
 * models, the sandboxes and the database:
 *  - verdicts: parsing a judge's output (structured JSON and Arena-Hard's five labels);
 *  - judges: the execution-grounded judge, and LLM judges (BigCodeReward-style prompts with and without the
 *    execution results, both orders combined, position bias) over a completion function the caller gives;
 *  - agreement with human votes: BigCodeReward metrics (accuracy, macro-F1, Cohen's κ, MCC, confusion, 3- and
 *    4-class), the reward report and its input rows, bootstrap intervals, and judge-implied vs human boards
 *    (Spearman, Kendall);
 *  - AutoCodeArena: every model against a baseline, resumable from the answers and games it appends to its
 *    folder; win rates with intervals overall and per category, as CSV and SVG;
 *  - test-based evaluation (`arena eval`): HumanEval, HumanEval-X and MultiPL-E tasks, answers assembled with the
 *    tests per language, statuses, the unbiased pass@k, a resumable run, JSON/CSV/SVG.
 * Depends on contracts, ranking and sandboxes only.
 */
export * from './metrics.js';
export * from './verdict.js';
export * from './reward.js';
export * from './execution-judge.js';
export * from './llm-judge.js';
export * from './statistics.js';
export * from './autoarena.js';
export * from './eval/index.js';
