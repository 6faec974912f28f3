#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * `arena`: the arena's command line, usable without the web UI.
 *   arena serve                         start the arena (UI + API) on the configured or embedded services
 *   arena rank [--input FILE] [...]     leaderboard from a FastChat battles file or from the arena's database
 *   arena import --battles FILE         load FastChat clean-battle rows into the arena's database
 *   arena autoarena --prompts FILE... --models FILE --baseline ID [--judge ID] [--out DIR] [--limit N] [--concurrency N]
  arena sandbox run --language L FILE run one program in the sandbox the arena would use for L
 * Bad input exits non-zero with a one-line reason.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readJudgement, readVote, RewardInputError, rewardReport } from '@arena/judge';
import {
  ArenaError,
  DatasetFormat,
  DatasetName,
  DatasetQuery,
  ENVIRONMENTS,
  Environment,
  parseInput,
} from '@arena/contracts';
import {
  aggregate,
  BattlesFileError,
  BattlesParser,
  cleanVotes,
  computeLeaderboard,
  formatOf,
  onlineElo,
  RowsParser,
  type BattleRecord,
  type BattleRow,
} from '@arena/ranking';
import { BattleEntity, TurnEntity, VoteEntity } from '../battles/entities/index.js';
import { ModelEntity } from '../models/model.entity.js';
import { ConfigError, loadConfig, type ArenaConfig } from '../config/config.js';
import { createDataSource } from '../database/data-source.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';
import { DatasetsService } from '../datasets/datasets.service.js';
import { loadVoteRows } from '../leaderboard/vote-rows.js';
import { createSandboxRegistry } from '../sandboxes/sandbox-registry.factory.js';
import { configureLogging } from '../logging/logger.js';
import { autoarena } from './autoarena.js';
import { UsageError } from './usage.js';

const USAGE = `usage:
  arena serve
  arena rank [--input FILE] [--method bt|elo] [--bootstrap N] [--seed S] [--anchor MODEL=RATING] [--category C] [--format table|json|csv]
  arena import --battles FILE
  arena reward --votes FILE --judgements FILE [--format table|json]
  arena autoarena --prompts FILE... --models FILE --baseline ID [--judge ID] [--out DIR] [--limit N] [--concurrency N]
  arena sandbox run --language L FILE [--stdin FILE] [--timeout-ms N] [--memory-mb N] [--json]
  arena export --dataset battles|bigcodereward|judgements --format jsonl|csv|parquet [--out FILE] [--since ISO] [--until ISO] [--category C] [--environment E]`;

/** Feed a file to a parser chunk by chunk; a file that cannot be read is a usage error. */
async function parseFile(file: string, parser: { push(chunk: string): void; end(): void }): Promise<void> {
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }))
      parser.push(chunk as string);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  parser.end();
}

function readRecords(file: string, onRecord: (record: BattleRecord) => void): Promise<void> {
  return parseFile(file, new BattlesParser(formatOf(file), onRecord, file));
}

async function withDatabase<T>(
  config: ArenaConfig,
  fn: (ds: ReturnType<typeof createDataSource>) => Promise<T>,
): Promise<T> {
  const embedded = config.databaseUrl ? undefined : await EmbeddedPostgres.start(config.dataDir);
  const dataSource = createDataSource({ url: config.databaseUrl ?? embedded!.url, embedded: !!embedded });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    return await fn(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

function progress(label: string, done: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done.toLocaleString('en')}`);
  else if (done % 100_000 === 0) process.stderr.write(`${label}: ${done}\n`);
}

async function rank(args: string[], config: ArenaConfig): Promise<void> {
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
    await readRecords(values.input, (record) => {
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

async function importBattles(args: string[], config: ArenaConfig): Promise<void> {
  const { values } = parseArgs({ args, options: { battles: { type: 'string' } }, strict: true });
  if (!values.battles) throw new UsageError('--battles FILE is required');
  const records: BattleRecord[] = [];
  await readRecords(values.battles, (record) => records.push(record));
  const imported = await withDatabase(config, async (dataSource) => {
    const models = [...new Set(records.flatMap((r) => [r.model_a, r.model_b]))];
    for (const m of models) {
      if (m.length > 128) throw new UsageError(`model id longer than 128 characters: ${m.slice(0, 40)}…`);
    }
    await dataSource.transaction(async (tx) => {
      const known = new Set((await tx.getRepository(ModelEntity).find()).map((m) => m.id));
      const fresh = models.filter((m) => !known.has(m));
      for (let i = 0; i < fresh.length; i += 500) {
        await tx.insert(
          ModelEntity,
          fresh.slice(i, i + 500).map((id) => ({ id, name: id, provider: 'imported', weight: 0, active: false })),
        );
      }
      for (let i = 0; i < records.length; i += 500) {
        const batch = records.slice(i, i + 500).map((r, k) => {
          const tstamp = typeof r.extra['tstamp'] === 'number' ? new Date(r.extra['tstamp'] * 1000) : new Date();
          const conversation = r.extra['conversation_a'];
          const first = Array.isArray(conversation)
            ? (conversation[0] as { content?: unknown } | undefined)
            : undefined;
          return {
            id: randomUUID(),
            tstamp,
            record: r,
            prompt: typeof first?.content === 'string' ? first.content : '',
            // FastChat's `judge` is the (hashed) voter; without it each row is its own voter.
            voter: typeof r.extra['judge'] === 'string' ? r.extra['judge'].slice(0, 64) : `import-${i + k}`,
          };
        });
        await tx.insert(
          BattleEntity,
          batch.map((b) => ({
            id: b.id,
            status: 'revealed' as const,
            category: typeof b.record.extra['category'] === 'string' ? b.record.extra['category'].slice(0, 64) : null,
            modelAId: b.record.model_a,
            modelBId: b.record.model_b,
            creatorVoterId: b.voter,
            anony: b.record.extra['anony'] !== false,
            winner: b.record.winner,
            createdAt: b.tstamp,
            revealedAt: b.tstamp,
          })),
        );
        await tx.insert(
          TurnEntity,
          batch.map((b) => ({ id: randomUUID(), battleId: b.id, turn: 0, prompt: b.prompt })),
        );
        await tx.insert(
          VoteEntity,
          batch.map((b) => ({
            id: randomUUID(),
            battleId: b.id,
            voterId: b.voter,
            winner: b.record.winner,
            createdAt: b.tstamp,
          })),
        );
        progress('imported', i + batch.length);
      }
    });
    return records.length;
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(`imported ${imported} battles from ${values.battles}\n`);
}

async function exportDataset(args: string[], config: ArenaConfig): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      category: { type: 'string' },
      environment: { type: 'string' },
    },
    strict: true,
  });
  const name = parseInput(DatasetName, values.dataset, '--dataset');
  const format = parseInput(DatasetFormat, values.format, '--format');
  const query = parseInput(
    DatasetQuery,
    Object.fromEntries(
      Object.entries({
        since: values.since,
        until: values.until,
        category: values.category,
        environment: values.environment,
      }).filter(([, v]) => v !== undefined),
    ),
    'filters',
  );
  await withDatabase(config, async (dataSource) => {
    const datasets = new DatasetsService(config, dataSource);
    if (!values.out) {
      await datasets.export(name, format, query, process.stdout);
      return;
    }
    const out = createWriteStream(values.out);
    const opened = new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', (error) =>
        reject(new UsageError(`cannot write ${values.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)),
      );
    });
    await opened;
    const rows = await datasets.export(name, format, query, out);
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const card = path.join(path.dirname(values.out), 'README.md');
    await writeFile(card, await datasets.card(name, query, rows));
    process.stderr.write(`wrote ${rows} rows to ${values.out} and the data-set card to ${card}\n`);
  });
}

async function readRows<T>(file: string, read: (row: unknown, where: string) => T): Promise<T[]> {
  const out: T[] = [];
  await parseFile(file, new RowsParser(formatOf(file), (row, where) => out.push(read(row, where)), file));
  return out;
}

async function reward(args: string[]): Promise<void> {
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

const LANGUAGE_ALIASES: Record<string, string> = {
  py: 'python',
  python3: 'python',
  'c++': 'cpp',
  cxx: 'cpp',
  js: 'javascript',
  node: 'javascript',
  ts: 'typescript',
  sh: 'bash',
  shell: 'bash',
  golang: 'go',
  rs: 'rust',
};

/** `arena sandbox run`: one program through the runner the arena would pick, output streamed as it comes. */
async function sandbox(args: string[], config: ArenaConfig): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run') throw new UsageError('usage: arena sandbox run --language L FILE [--stdin FILE] [--json]');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      language: { type: 'string', short: 'l' },
      stdin: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'memory-mb': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const language = values.language?.toLowerCase();
  const environment = Environment.safeParse(language ? (LANGUAGE_ALIASES[language] ?? language) : undefined);
  if (!environment.success || environment.data === 'none')
    throw new UsageError(`--language must be one of ${ENVIRONMENTS.filter((e) => e !== 'none').join(', ')}`);
  if (positionals.length !== 1) throw new UsageError('give exactly one program FILE');
  const positive = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${flag} must be a positive integer`);
    return value;
  };
  const wallMs = positive('--timeout-ms', values['timeout-ms']);
  const memoryMb = positive('--memory-mb', values['memory-mb']);
  const readText = async (file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const code = await readText(positionals[0]!);
  const stdin = values.stdin !== undefined ? await readText(values.stdin) : undefined;
  const registry = createSandboxRegistry(config, { poolSize: 0 });
  let stdout = '';
  let stderr = '';
  try {
    const result = await registry.run(
      {
        environment: environment.data,
        code,
        ...(stdin !== undefined ? { stdin } : {}),
        limits: {
          ...(wallMs ? { wallMs, cpuMs: Math.max(wallMs, config.runLimits.cpuMs) } : {}),
          ...(memoryMb ? { memoryMb } : {}),
        },
      },
      {
        onOutput: (chunk) => {
          if (values.json) {
            if (chunk.stream === 'stdout') stdout += chunk.data;
            else stderr += chunk.data;
          } else (chunk.stream === 'stdout' ? process.stdout : process.stderr).write(chunk.data);
        },
      },
    );
    if (values.json) {
      const { status, exitCode, durationMs, runner } = result;
      process.stdout.write(
        `${JSON.stringify({ status, exitCode: exitCode ?? null, stdout, stderr, durationMs, runner, message: result.message ?? null })}\n`,
      );
    } else {
      process.stderr.write(
        `[${result.status}${result.exitCode !== undefined ? ` exit ${result.exitCode}` : ''}, ${result.durationMs} ms, ${result.runner}]${result.message && result.status !== 'unsupported' ? ` ${result.message}` : ''}\n`,
      );
    }
    return result.status === 'ok' ? 0 : 1;
  } finally {
    await registry.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  configureLogging(process.env['LOG_LEVEL'] ?? 'warn');
  switch (command) {
    case 'serve': {
      configureLogging(config.logLevel);
      const { startArena } = await import('../server.js');
      const arena = await startArena(config);
      process.stdout.write(`\n  The arena is running at ${arena.url}\n\n`);
      return;
    }
    case 'rank':
      return rank(rest, config);
    case 'import':
      return importBattles(rest, config);
    case 'export':
      return exportDataset(rest, config);
    case 'reward':
      return reward(rest);
    case 'autoarena':
      return autoarena(rest, config);
    case 'sandbox':
      process.exitCode = await sandbox(rest, config);
      return;
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known =
    error instanceof UsageError ||
    error instanceof RewardInputError ||
    error instanceof BattlesFileError ||
    error instanceof ConfigError ||
    error instanceof ArenaError;
  const message = error instanceof Error ? error.message : String(error);
  const codeError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`arena: ${known || codeError ? message.split('\n')[0] : `failed: ${message}`}\n`);
  if (codeError) process.stderr.write(`${USAGE}\n`);
  process.exit(known || codeError ? 2 : 1);
});
