/**
 * What operators took out of public view, as SQL conditions every public reading of votes and battles adds
 * (leaderboard, data sets, reward agreement): a hidden battle and a banned voter's votes count nowhere.
 */

/** The battle `alias` was not hidden by an operator. */
export function battleShown(alias: string): string {
  return `${alias}.hidden_at IS NULL`;
}

/** The vote `alias` was not cast by a banned voter. */
export function voterCounted(alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM voter_bans vb WHERE vb.voter_id = ${alias}.voter_id)`;
}
