import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  aggregate,
  cleanVotes,
  computeLeaderboard,
  computeContextualLeaderboardThreaded,
  computeStyleLeaderboardThreaded,
  countsFromJsonlFile,
  dedupPromptKey,
  dedupPrompts,
  EXECUTION_FEATURES,
  ExecutionBattlesBuilder,
  executionFactsOfExport,
  executionFeatures,
  formatOf,
  onlineElo,
  removeAnomalousVoters,
  STYLE_FEATURES,
  styleAndExecutionFeatures,
  StyleBattlesBuilder,
  styleBattlesFromJsonlFile,
  styleCounts,
  styleCountsOf,
  type AnomalyReport,
  type BattleRow,
  type ContextLeaderboard,
  type DedupReport,
  type ExecutionFacts,
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
 * `--execution-control` fits the same contextual model on execution covariates (with `--style-control`, on
 * both): from each row's `executions_a` / `executions_b` (the arena's `battles` data set), or for the arena's
 * own votes from the stored runs. `--dedup` down-samples prompts above the 99.99th percentile of frequency
 * (FastChat's deduplication; a row's `dedup_tag` is honoured, else its `conversation_a` user turns are the
 * key) and `--anomaly` leaves out the voters FastChat's sequential test flags (rows need `judge`); both say on
 * stderr what they removed (and the JSON under `integrity`).
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
      'execution-control': { type: 'boolean', default: false },
      anomaly: { type: 'boolean', default: false },
      dedup: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const method = values.method;
  if (method !== 'bt' && method !== 'elo') throw new UsageError(`--method must be bt or elo, not ${method}`);
  const style = values['style-control'];
  if (style && method !== 'bt') throw new UsageError('--style-control needs --method bt');
  const execution = values['execution-control'];
  if (execution && method !== 'bt') throw new UsageError('--execution-control needs --method bt');
  const checks = values.anomaly || values.dedup;
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

  let rows: Entry[] = [];
  // With --style-control each battle also carries its eight style counts (FastChat's conv_metadata).
  const styled = new StyleBattlesBuilder();
  // A JSON lines file ranked by Bradley-Terry over all its rows is read by the byte scanner straight into
  // counts (or style battles): no object per row.
  let counted: PairCounts | StyleBattles | undefined;
  if (
    values.input &&
    method === 'bt' &&
    !values.category &&
    !execution &&
    !checks &&
    formatOf(values.input) === 'jsonl'
  ) {
    const file = values.input;
    // Scanned in parts by a thread per core (a large file loads about twice as fast on two).
    counted = await readFast<PairCounts | StyleBattles>(file, () =>
      style ? styleBattlesFromJsonlFile(file) : countsFromJsonlFile(file),
    );
  } else if (values.input) {
    let read = 0;
    const file = values.input;
    await readBattleRecords(file, (record) => {
      read += 1;
      if (read % 10_000 === 0) progress('read', read);
      if (values.category && record.extra['category'] !== values.category) return;
      const where = `${file}: row ${read}`;
      const entry: Entry = { model_a: record.model_a, model_b: record.model_b, winner: record.winner, voter: '' };
      if (style) entry.counts = styleCountsOf(record.extra['conv_metadata'], where);
      if (execution)
        entry.execution = [
          executionFactsOf(record.extra['executions_a'], where),
          executionFactsOf(record.extra['executions_b'], where),
        ];
      if (values.anomaly) {
        const judge = record.extra['judge'];
        if (typeof judge !== 'string' && typeof judge !== 'number')
          throw new UsageError(`${where}: --anomaly needs each row's judge`);
        entry.voter = String(judge);
      }
      if (values.dedup) {
        const tag = record.extra['dedup_tag'];
        if (tag && typeof tag === 'object') entry.sampled = (tag as { sampled?: unknown }).sampled !== false;
        else entry.prompt = dedupKeyOf(record.extra['conversation_a'], where);
      }
      rows.push(entry);
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
      const entry: Entry = { model_a: v.model_a, model_b: v.model_b, winner: v.winner, voter: v.voter };
      entry.prompt = v.dedupKey;
      entry.execution = v.execution;
      if (style) {
        const [a, b] = v.answers.map((answer) => styleCounts([answer]));
        entry.counts = [a!.tokens, a!.headers, a!.lists, a!.bold, b!.tokens, b!.headers, b!.lists, b!.bold];
      }
      rows.push(entry);
    }
  }

  // FastChat's order: the data de-duplicated first, then the anomaly test on what is left.
  let dedupReport: DedupReport | undefined;
  let anomalyReport: AnomalyReport | undefined;
  if (values.dedup) ({ rows, report: dedupReport } = dedup(rows));
  if (values.anomaly) {
    const result = removeAnomalousVoters(rows);
    rows = result.kept;
    anomalyReport = result.report;
    process.stderr.write(
      `anomaly: ${anomalyReport.flagged.length} of ${anomalyReport.votersChecked} voters flagged (alpha ${anomalyReport.alpha}), ${anomalyReport.removedVotes} votes removed\n`,
    );
  }
  // The contextual model's battles: style counts (zeros without --style-control) and execution facts.
  const executed = new ExecutionBattlesBuilder();
  if (!counted && (style || execution))
    for (const e of rows) {
      styled.add(e.model_a, e.model_b, e.winner, e.counts ?? NO_COUNTS);
      if (execution) executed.add(e.model_a, e.model_b, e.winner, ...e.execution!);
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
  let contextual: ContextLeaderboard | undefined;
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
      if (execution) {
        const s = styled.build();
        const e = executed.build();
        const [features, names] = style
          ? [styleAndExecutionFeatures(s, e), [...STYLE_FEATURES, ...EXECUTION_FEATURES]]
          : [executionFeatures(e), [...EXECUTION_FEATURES]];
        board = contextual = await computeContextualLeaderboardThreaded(s, features, names, options);
      } else if (style)
        board = coefficients = await computeStyleLeaderboardThreaded(
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

  const part = (names: readonly string[]) =>
    contextual && {
      coefficients: Object.fromEntries(names.map((f) => [f, contextual.coefficients[f]!])),
      intervals: Object.fromEntries(names.map((f) => [f, contextual.coefficientIntervals[f]!])),
    };
  const styleOut = coefficients
    ? { coefficients: coefficients.styleCoefficients, intervals: coefficients.styleIntervals }
    : style
      ? part(STYLE_FEATURES)
      : undefined;
  const executionOut = execution ? part(EXECUTION_FEATURES) : undefined;
  if (format === 'json') {
    const extra = {
      ...(styleOut ? { styleCoefficients: styleOut.coefficients, styleIntervals: styleOut.intervals } : {}),
      ...(executionOut
        ? { executionCoefficients: executionOut.coefficients, executionIntervals: executionOut.intervals }
        : {}),
      ...(checks
        ? {
            integrity: {
              ...(dedupReport ? { dedup: dedupReport } : {}),
              ...(anomalyReport ? { anomaly: anomalyReport } : {}),
            },
          }
        : {}),
    };
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
    const table = (title: string, coefficientsOf?: { coefficients: object; intervals: object }) => {
      if (!coefficientsOf) return;
      process.stdout.write(`\n${title}:\n`);
      const intervals = coefficientsOf.intervals as Record<string, { low: number; high: number }>;
      for (const [feature, value] of Object.entries(coefficientsOf.coefficients as Record<string, number>)) {
        const ci = intervals[feature]!;
        process.stdout.write(
          `  ${feature.padEnd(12)} ${value.toFixed(4).padStart(8)}  [${ci.low.toFixed(4)}, ${ci.high.toFixed(4)}]\n`,
        );
      }
    };
    table('style coefficients (log-odds per standard deviation of the normalised difference, 95% interval)', styleOut);
    table('execution coefficients (log-odds when one side has it and the other has not, 95% interval)', executionOut);
  }
}

/** A battle with what the optional controls and checks read of it. */
interface Entry extends BattleRow {
  voter: string;
  /** De-duplication: FastChat's prompt key, or the row's own dedup_tag.sampled. */
  prompt?: string;
  sampled?: boolean;
  counts?: number[];
  execution?: [ExecutionFacts, ExecutionFacts];
}

const NO_COUNTS = [0, 0, 0, 0, 0, 0, 0, 0];

/** FastChat's de-duplication key of a row's `conversation_a` (its user turns). */
function dedupKeyOf(conversation: unknown, where: string): string {
  if (!Array.isArray(conversation)) throw new UsageError(`${where}: --dedup needs dedup_tag or conversation_a`);
  return dedupPromptKey(
    (conversation as { role?: unknown; content?: unknown }[])
      .filter((m) => m.role === 'user')
      .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))),
  );
}

function executionFactsOf(executions: unknown, where: string): ExecutionFacts {
  try {
    return executionFactsOfExport(executions, where);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `--dedup`: the rows' own dedup_tag when they carry one, else FastChat's down-sampling; said on stderr. */
function dedup(rows: Entry[]): { rows: Entry[]; report: DedupReport } {
  const tagged = rows.filter((e) => e.sampled !== undefined).length;
  if (tagged > 0 && tagged < rows.length) throw new UsageError('--dedup: either every row carries dedup_tag or none');
  let kept: Entry[];
  let report: DedupReport;
  if (tagged > 0) {
    kept = rows.filter((e) => e.sampled);
    report = {
      percentile: 0.9999,
      cutoff: NaN,
      distinctPrompts: 0,
      highFrequency: [],
      removedVotes: rows.length - kept.length,
    };
    process.stderr.write(`dedup: ${report.removedVotes} votes removed (the rows' dedup_tag)\n`);
  } else {
    ({ kept, report } = dedupPrompts(rows, (e) => e.prompt ?? ''));
    process.stderr.write(
      `dedup: ${report.removedVotes} votes removed (${report.highFrequency.length} prompts above the 99.99th percentile of frequency, ${report.cutoff.toFixed(2)} votes; int of it kept each)\n`,
    );
  }
  return { rows: kept, report };
}

/** A file's bytes given to a reader; a file that cannot be read is a usage error, as `parseFile` says. */
async function readFast<T>(file: string, read: (chunks: () => AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
  try {
    return await read(() => createReadStream(file, { highWaterMark: 1 << 20 }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && error instanceof Error && error.name !== 'BattlesFileError')
      throw new UsageError(`cannot read ${file}: ${code}`);
    throw error;
  }
}
