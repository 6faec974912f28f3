/**
 * Test-based evaluation (`arena eval`): HumanEval, HumanEval-X and MultiPL-E task files; the chat prompt and
 * the code taken from an answer; each format's program (answer + tests) made runnable in the sandboxes;
 * statuses (failed assertion apart from a crash); the unbiased pass@k; a resumable run over models, tasks and
 * samples; JSON, CSV, SVG and a table.
 */
export * from './eval-task.js';
export * from './task-file.js';
export * from './source-scan.js';
export * from './answer.js';
export * from './assemble.js';
export * from './eval-status.js';
export * from './pass-at-k.js';
export * from './run-eval.js';
export * from './eval-report.js';
export * from './task-set.js';
