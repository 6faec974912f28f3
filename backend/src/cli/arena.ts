#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * `arena`: the arena's command line, usable without the web UI. This file only dispatches: each command is in
 * `commands/` (serve, rank, import-battles, reward, export, autoarena, eval, sandbox), and USAGE below lists them.
 * Exit status: 0 done; 1 an unexpected failure, or `sandbox run` of a program that did not end `ok`; 2 bad
 * input (unknown command or option, unreadable or malformed file, bad configuration), with a one-line reason.
 */
import 'reflect-metadata';
import { RewardInputError } from '@arena/judge';
import { ArenaError } from '@arena/contracts';
import { BattlesFileError } from '@arena/ranking';
import { ConfigError, loadConfig } from '../config/config.js';
import { configureLogging } from '../logging/logger.js';
import { autoarena } from './commands/autoarena.js';
import { evaluate } from './commands/eval.js';
import { exportDataset } from './commands/export.js';
import { importBattles } from './commands/import-battles.js';
import { rank } from './commands/rank.js';
import { reward } from './commands/reward.js';
import { sandbox } from './commands/sandbox.js';
import { serve } from './commands/serve.js';
import { UsageError } from './usage.js';

const USAGE = `usage:
  arena serve
  arena rank [--input FILE] [--method bt|elo] [--style-control] [--bootstrap N] [--seed S] [--anchor MODEL=RATING] [--category C] [--format table|json|csv]
  arena import --battles FILE
  arena reward --votes FILE --judgements FILE [--format table|json]
  arena autoarena --prompts FILE... --models FILE --baseline ID [--judge ID] [--out DIR] [--limit N] [--concurrency N]
  arena eval --tasks FILE... --models FILE [--model ID]... [--samples N] [--k 1,10] [--limit N] [--language L] [--out DIR] [--format table|json] [--concurrency N]
  arena sandbox run --language L FILE [--stdin FILE] [--timeout-ms N] [--memory-mb N] [--json]
  arena export --dataset battles|bigcodereward|judgements --format jsonl|csv|parquet [--out FILE] [--since ISO] [--until ISO] [--category C] [--environment E]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  configureLogging(process.env['LOG_LEVEL'] ?? 'warn');
  switch (command) {
    case 'serve':
      return serve(config);
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
    case 'eval':
      return evaluate(rest, config);
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
