/**
 * Leaderboard math (Bradley-Terry, bootstrap and sandwich intervals, online Elo): pure functions that
 * depend only on `@arena/contracts`. Arrives with the leaderboard issue; the package exists now so the
 * workspace, its tags and its module boundaries are in place.
 */
export const RANKING_PACKAGE = '@arena/ranking';
