import { parseArgs } from 'node:util';
import { aggregate, cleanVotes, computeLeaderboard, onlineElo, type BattleRow } from '@arena/ranking';
import type { ArenaConfig } from '../../config/config.js';
import { loadVoteRows } from '../../leaderboard/vote-rows.js';
import { withDatabase } from '../database.js';
import { readBattleRecords } from '../fastchat-battles.js';
import { progress } from '../progress.js';
import { UsageError } from '../usage.js';

/**
 * `arena rank`: a leaderboard (Bradley-Terry with bootstrap intervals, or online Elo) of a FastChat battles
 * file, or without `--input` of the arena's own votes after the cleaning rules; as a table, JSON or CSV.
 */
export async function rank(args: string[], config: ArenaConfig): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      input: { type: 'string' },
      method: { type: 'string', default: 'bt' },
      bootstrap: { type: 'string', default: '100' },
      seed: { type: 'string', default: '42' },
      anchor: { type: 'string' },
      category: { type: 'string' },
      format: { type: 'string', default: 'table' },
    },
    strict: true,
  });
  const method = values.method;
  if (method !== 'bt' && method !== 'elo') throw new UsageError(`--method must be bt or elo, not ${method}`);
  const format = values.format;
  if (format !== 'table' && format !== 'json' && format !== 'csv')
    throw new UsageError(`--format must be table, json or csv`);
  const bootstrap = Number(values.bootstrap);
  if (!Number.isInteger(bootstrap) || bootstrap < 0 || bootstrap > 100_000)
    throw new UsageError('--bootstrap must be a whole number from 0 to 100000');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  let anchor: { model: string; rating: number } | undefined;
  if (values.anchor) {
    const match = /^(.+)=(-?\d+(?:\.\d+)?)$/.exec(values.anchor);
    if (!match) throw new UsageError('--anchor must be MODEL=RATING, e.g. gpt-4-0314=1000');
    anchor = { model: match[1]!, rating: Number(match[2]) };
  }

  const rows: BattleRow[] = [];
  if (values.input) {
    let read = 0;
    await readBattleRecords(values.input, (record) => {
      read += 1;
      if (read % 10_000 === 0) progress('read', read);
      if (values.category && record.extra['category'] !== values.category) return;
      rows.push({ model_a: record.model_a, model_b: record.model_b, winner: record.winner });
    });
    if (process.stderr.isTTY && read >= 10_000) process.stderr.write('\n');
  } else {
    const votes = await withDatabase(config, loadVoteRows);
    const { kept } = cleanVotes(votes, {
      ...(config.leaderboard.identityWords ? { identityWords: config.leaderboard.identityWords } : {}),
      dailyCapPerVoter: config.leaderboard.voterDailyCap,
      maxPerPrompt: config.leaderboard.maxVotesPerPrompt,
    });
    for (const v of kept) if (!values.category || v.category === values.category) rows.push(v);
  }

  let out: {
    rank: number;
    model: string;
    rating: number;
    ciLow: number;
    ciHigh: number;
    battles: number;
    winRate: number | null;
  }[];
  if (method === 'elo') {
    const ratings = onlineElo(rows);
    const board = computeLeaderboard(aggregate(rows));
    const offset = anchor ? anchor.rating - (ratings.get(anchor.model) ?? NaN) : 0;
    if (anchor && !ratings.has(anchor.model)) throw new UsageError(`anchor model ${anchor.model} has no battles`);
    out = [...ratings.entries()]
      .map(([model, rating]) => {
        const row = board.rows.find((r) => r.model === model)!;
        return {
          rank: 0,
          model,
          rating: rating + offset,
          ciLow: rating + offset,
          ciHigh: rating + offset,
          battles: row.battles,
          winRate: row.winRate,
        };
      })
      .sort((a, b) => b.rating - a.rating)
      .map((row, i) => ({ ...row, rank: i + 1 }));
  } else {
    let board;
    try {
      board = computeLeaderboard(aggregate(rows), { bootstrap, seed, ...(anchor ? { anchor } : {}) });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (board.disconnected)
      process.stderr.write(
        `warning: the comparison graph is disconnected (${board.components.length} groups); ratings across groups are not comparable\n`,
      );
    out = board.rows.map(({ rank, model, rating, ciLow, ciHigh, battles, winRate }) => ({
      rank,
      model,
      rating,
      ciLow,
      ciHigh,
      battles,
      winRate,
    }));
  }

  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ battles: rows.length, rows: out }, null, 2)}\n`);
  } else if (format === 'csv') {
    process.stdout.write('rank,model,rating,ciLow,ciHigh,battles,winRate\n');
    for (const r of out) {
      const model = /[",\n]/.test(r.model) ? `"${r.model.replaceAll('"', '""')}"` : r.model;
      process.stdout.write(`${r.rank},${model},${r.rating},${r.ciLow},${r.ciHigh},${r.battles},${r.winRate ?? ''}\n`);
    }
  } else {
    const width = Math.max(5, ...out.map((r) => r.model.length));
    process.stdout.write(
      `${rows.length} battles\n\n${'rank'.padStart(4)}  ${'model'.padEnd(width)}  rating  95% interval        battles  win rate\n`,
    );
    for (const r of out) {
      process.stdout.write(
        `${String(r.rank).padStart(4)}  ${r.model.padEnd(width)}  ${r.rating.toFixed(1).padStart(6)}  ${`[${r.ciLow.toFixed(1)}, ${r.ciHigh.toFixed(1)}]`.padEnd(18)}  ${String(r.battles).padStart(7)}  ${r.winRate === null ? '     -' : `${(r.winRate * 100).toFixed(1)}%`.padStart(6)}\n`,
      );
    }
  }
}
