import { parseArgs } from 'node:util';
import { readJudgement, readVote, rewardReport } from '@arena/judge';
import { formatOf, RowsParser } from '@arena/ranking';
import { parseFile } from '../input-file.js';
import { UsageError } from '../usage.js';

/** Every row of a JSON, JSONL or CSV file, each read (validated) by `read`. */
async function readRows<T>(file: string, read: (row: unknown, where: string) => T): Promise<T[]> {
  const out: T[] = [];
  await parseFile(file, new RowsParser(formatOf(file), (row, where) => out.push(read(row, where)), file));
  return out;
}

/** `arena reward`: BigCodeReward agreement of judges with human votes, as a table or JSON. */
export async function reward(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      votes: { type: 'string' },
      judgements: { type: 'string' },
      format: { type: 'string', default: 'table' },
    },
    strict: true,
  });
  if (!values.votes || !values.judgements) throw new UsageError('--votes FILE and --judgements FILE are required');
  if (values.format !== 'table' && values.format !== 'json') throw new UsageError('--format must be table or json');
  const report = rewardReport(await readRows(values.votes, readVote), await readRows(values.judgements, readJudgement));
  if (values.format === 'json') {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-');
  const num = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '-');
  process.stdout.write('judge  mode  n  4-class accuracy  macro-F1  kappa  MCC  3-class accuracy  macro-F1\n');
  for (const j of report.judges) {
    process.stdout.write(
      `${j.judge}  ${j.mode}  ${j.n}  ${pct(j.fourClass.accuracy)}  ${num(j.fourClass.macroF1)}  ${num(j.fourClass.kappa)}  ${num(j.fourClass.mcc)}  ${pct(j.threeClass.accuracy)}  ${num(j.threeClass.macroF1)}\n`,
    );
  }
  process.stdout.write(
    `left out: ${report.leftOut.votesWithoutJudgement} votes without a judgement, ${report.leftOut.judgementsWithoutVote} judgements without a vote\n`,
  );
}
