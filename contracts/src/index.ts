export * from './battle.js';
export * from './environments.js';
export * from './errors.js';
export * from './events.js';
export * from './rest.js';
export * from './validation.js';
export * from './battle-state.js';
export * from './leaderboard.js';
