/**
 * Leaderboard math, pure functions with no framework: Bradley-Terry maximum likelihood on aggregated pair
 * counts, Elo-scale ratings, bootstrap and sandwich intervals, Rank (UB), online Elo, matrices.
 */
export * from './bradley-terry.js';
export * from './elo.js';
export * from './leaderboard.js';
export * from './pairwise.js';
export * from './random.js';
export * from './synthetic.js';
export * from './battles-file.js';
export * from './jsonl-scanner.js';
export * from './jsonl-threads.js';
export * from './hygiene.js';
export * from './contextual-bt.js';
export * from './bootstrap-kernel.js';
export * from './bootstrap-threads.js';
export * from './execution-control.js';
export * from './integrity.js';
export * from './style-control.js';
export * from './style-counts.js';
