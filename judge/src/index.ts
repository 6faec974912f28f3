/**
 * Judging battles: verdict parsing (structured JSON and Arena-Hard's five labels) and BigCodeReward agreement
 * metrics against human votes. Depends on contracts, ranking and sandboxes only. The judges themselves, the
 * judge service and AutoCodeArena arrive with the judge issue.
 */
export * from './metrics.js';
export * from './verdict.js';
export * from './reward.js';
export * from './execution-judge.js';
export * from './llm-judge.js';
export * from './statistics.js';
export * from './autoarena.js';
