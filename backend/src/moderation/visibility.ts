/**
 * What operators took out of public view, as SQL conditions every public reading of votes and battles adds
 * (leaderboard, data sets, reward agreement): a hidden battle and a banned voter's votes count nowhere.
 */

/**
 * The battle whose id is `idColumn` was not hidden by an operator. A hashed filter on a small table (see
 * `HiddenBattleEntity`): it leaves the plan of the query around it alone.
 */
export function battleShown(idColumn: string): string {
  return `${idColumn} NOT IN (SELECT hb.battle_id FROM hidden_battles hb)`;
}

/**
 * The vote `alias` was not cast by a banned voter. `NOT IN` (voter_bans.voter_id is never null): the bans are
 * read once into a hashed filter, which leaves the rest of a query's plan alone (a correlated `NOT EXISTS`
 * turned the data sets' keyset pages into anti-joins: a 10,000-vote export went from 4 s to 48 s on PGlite).
 */
export function voterCounted(alias: string): string {
  return `${alias}.voter_id NOT IN (SELECT vb.voter_id FROM voter_bans vb)`;
}
