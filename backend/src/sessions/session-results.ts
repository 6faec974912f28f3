import type { ModelRef, SessionBattle, SessionSummary, Tally, Winner } from '@arena/contracts';

/** Plurality of the votes; a draw at the top is a tie, no vote at all is no winner. */
export function pluralityWinner(tally: Tally): Winner | null {
  const entries = Object.entries(tally.counts) as [Winner, number][];
  const best = Math.max(...entries.map(([, n]) => n));
  if (best === 0) return null;
  const top = entries.filter(([, n]) => n === best).map(([w]) => w);
  return top.length === 1 ? top[0]! : 'tie';
}

/** The models ranked by a session's votes on its revealed battles (a tie counts half a win). */
export function sessionLeaderboard(battles: readonly SessionBattle[]): SessionSummary['leaderboard'] {
  const board = new Map<string, SessionSummary['leaderboard'][number]>();
  const entry = (model: ModelRef): SessionSummary['leaderboard'][number] => {
    let row = board.get(model.id);
    if (!row) board.set(model.id, (row = { model, wins: 0, losses: 0, ties: 0, votes: 0, score: 0 }));
    return row;
  };
  for (const battle of battles) {
    if (!battle.models) continue;
    const a = entry(battle.models.a);
    const b = entry(battle.models.b);
    const { counts } = battle.tally;
    const ties = counts.tie + counts['tie (bothbad)'];
    a.wins += counts.model_a;
    a.losses += counts.model_b;
    b.wins += counts.model_b;
    b.losses += counts.model_a;
    a.ties += ties;
    b.ties += ties;
    a.votes += battle.tally.voters;
    b.votes += battle.tally.voters;
  }
  return [...board.values()]
    .map((row) => ({ ...row, score: row.votes ? (row.wins + row.ties / 2) / row.votes : 0 }))
    .sort((x, y) => y.score - x.score || y.votes - x.votes || x.model.name.localeCompare(y.model.name));
}
