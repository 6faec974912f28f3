import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  aggregate,
  cleanVotes,
  computeLeaderboard,
  computeStyleLeaderboard,
  countsFromJsonlChunks,
  formatOf,
  onlineElo,
  StyleBattlesBuilder,
  styleBattlesFromJsonlChunks,
  styleCounts,
  styleCountsOf,
  type BattleRow,
  type Leaderboard,
  type PairCounts,
  type StyleBattles,
  type StyleLeaderboard,
} from '@arena/ranking';
import type { ArenaConfig } from '../../config/config.js';
import { readBattleRecords } from '../fastchat-battles.js';
import { progress } from '../progress.js';
import { UsageError } from '../usage.js';

/**
 * `arena rank`: a leaderboard (Bradley-Terry with bootstrap intervals, or online Elo) of a FastChat battles
 * file, or without `--input` of the arena's own votes after the cleaning rules; as a table, JSON or CSV.
 * `--style-control` fits FastChat's style-controlled Bradley-Terry instead: the style counts come from each
 * row's `conv_metadata`, or for the arena's own votes from the answers (first turn) themselves.
 */
export async function rank(args: string[], configOf: () => ArenaConfig): Promise<void> {
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
      'style-control': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const method = values.method;
  if (method !== 'bt' && method !== 'elo') throw new UsageError(`--method must be bt or elo, not ${method}`);
  const style = values['style-control'];
  if (style && method !== 'bt') throw new UsageError('--style-control needs --method bt');
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
  // With --style-control each battle also carries its eight style counts (FastChat's conv_metadata).
  const styled = new StyleBattlesBuilder();
  // A JSON lines file ranked by Bradley-Terry over all its rows is read by the byte scanner straight into
  // counts (or style battles): no object per row.
  let counted: PairCounts | StyleBattles | undefined;
  if (values.input && method === 'bt' && !values.category && formatOf(values.input) === 'jsonl') {
    const file = values.input;
    counted = await readFast<PairCounts | StyleBattles>(file, (chunks) =>
      style ? styleBattlesFromJsonlChunks(chunks, file) : countsFromJsonlChunks(chunks, file),
    );
  } else if (values.input) {
    let read = 0;
    const file = values.input;
    await readBattleRecords(file, (record) => {
      read += 1;
      if (read % 10_000 === 0) progress('read', read);
      if (values.category && record.extra['category'] !== values.category) return;
      rows.push({ model_a: record.model_a, model_b: record.model_b, winner: record.winner });
      if (style)
        styled.add(
          record.model_a,
          record.model_b,
          record.winner,
          styleCountsOf(record.extra['conv_metadata'], `${file}: row ${read}`),
        );
    });
    if (process.stderr.isTTY && read >= 10_000) process.stderr.write('\n');
  } else {
    const config = configOf();
    const [{ withDatabase }, { loadVoteRows }] = await Promise.all([
      import('../database.js'),
      import('../../leaderboard/vote-rows.js'),
    ]);
    const votes = await withDatabase(config, loadVoteRows);
    const { kept } = cleanVotes(votes, {
      ...(config.leaderboard.identityWords ? { identityWords: config.leaderboard.identityWords } : {}),
      dailyCapPerVoter: config.leaderboard.voterDailyCap,
      maxPerPrompt: config.leaderboard.maxVotesPerPrompt,
    });
    for (const v of kept) {
      if (values.category && v.category !== values.category) continue;
      rows.push(v);
      if (style) {
        const [a, b] = v.answers.map((answer) => styleCounts([answer]));
        styled.add(v.model_a, v.model_b, v.winner, [
          a!.tokens,
          a!.headers,
          a!.lists,
          a!.bold,
          b!.tokens,
          b!.headers,
          b!.lists,
          b!.bold,
        ]);
      }
    }
  }

  const battleCount = counted ? ('battles' in counted ? counted.battles : counted.length) : rows.length;
  let out: {
    rank: number;
    model: string;
    rating: number;
    ciLow: number;
    ciHigh: number;
    battles: number;
    winRate: number | null;
  }[];
  let coefficients: StyleLeaderboard | undefined;
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
    let board: Leaderboard;
    try {
      const options = { bootstrap, seed, ...(anchor ? { anchor } : {}) };
      if (style)
        board = coefficients = computeStyleLeaderboard(
          (counted as StyleBattles | undefined) ?? styled.build(),
          options,
        );
      else board = computeLeaderboard((counted as PairCounts | undefined) ?? aggregate(rows), options);
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
    const extra = coefficients
      ? { styleCoefficients: coefficients.styleCoefficients, styleIntervals: coefficients.styleIntervals }
      : {};
    process.stdout.write(`${JSON.stringify({ battles: battleCount, rows: out, ...extra }, null, 2)}\n`);
  } else if (format === 'csv') {
    process.stdout.write('rank,model,rating,ciLow,ciHigh,battles,winRate\n');
    for (const r of out) {
      const model = /[",\n]/.test(r.model) ? `"${r.model.replaceAll('"', '""')}"` : r.model;
      process.stdout.write(`${r.rank},${model},${r.rating},${r.ciLow},${r.ciHigh},${r.battles},${r.winRate ?? ''}\n`);
    }
  } else {
    const width = Math.max(5, ...out.map((r) => r.model.length));
    process.stdout.write(
      `${battleCount} battles\n\n${'rank'.padStart(4)}  ${'model'.padEnd(width)}  rating  95% interval        battles  win rate\n`,
    );
    for (const r of out) {
      process.stdout.write(
        `${String(r.rank).padStart(4)}  ${r.model.padEnd(width)}  ${r.rating.toFixed(1).padStart(6)}  ${`[${r.ciLow.toFixed(1)}, ${r.ciHigh.toFixed(1)}]`.padEnd(18)}  ${String(r.battles).padStart(7)}  ${r.winRate === null ? '     -' : `${(r.winRate * 100).toFixed(1)}%`.padStart(6)}\n`,
      );
    }
    if (coefficients) {
      process.stdout.write(
        `\nstyle coefficients (log-odds per standard deviation of the normalised difference, 95% interval):\n`,
      );
      for (const [feature, value] of Object.entries(coefficients.styleCoefficients)) {
        const ci = coefficients.styleIntervals[feature as keyof typeof coefficients.styleIntervals];
        process.stdout.write(
          `  ${feature.padEnd(8)} ${value.toFixed(4).padStart(8)}  [${ci.low.toFixed(4)}, ${ci.high.toFixed(4)}]\n`,
        );
      }
    }
  }
}

/** A file's bytes given to a reader; a file that cannot be read is a usage error, as `parseFile` says. */
async function readFast<T>(file: string, read: (chunks: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
  try {
    return await read(createReadStream(file, { highWaterMark: 1 << 20 }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && error instanceof Error && error.name !== 'BattlesFileError')
      throw new UsageError(`cannot read ${file}: ${code}`);
    throw error;
  }
}
