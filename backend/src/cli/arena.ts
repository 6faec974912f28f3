#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * `arena`: the arena's command line, usable without the web UI. This file only dispatches: each command is in
 * `commands/` (serve, rank, import-battles, reward, export, autoarena, eval, sandbox), and USAGE below lists them.
 * Exit status: 0 done; 1 an unexpected failure, or `sandbox run` of a program that did not end `ok`; 2 bad
 * input (unknown command or option, unreadable or malformed file, bad configuration), with a one-line reason.
 */
// TypeORM's entities and NestJS read decorator metadata (cheap to load).
import 'reflect-metadata';
import type { ArenaConfig } from '../config/config.js';
import { UsageError } from './usage.js';

/**
 * Each command's module, loaded only when that command runs: a command pays for its own dependencies only
 * (`arena rank --input FILE` never loads NestJS, TypeORM, the sandboxes or the judges).
 */
type Command = (args: string[], config: () => ArenaConfig) => Promise<void>;
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => {
    const { serve } = await import('./commands/serve.js');
    return (_args, config) => serve(config());
  },
  rank: async () => (await import('./commands/rank.js')).rank,
  import: async () => {
    const { importBattles } = await import('./commands/import-battles.js');
    return (args, config) => importBattles(args, config());
  },
  export: async () => {
    const { exportDataset } = await import('./commands/export.js');
    return (args, config) => exportDataset(args, config());
  },
  reward: async () => {
    const { reward } = await import('./commands/reward.js');
    return (args) => reward(args);
  },
  autoarena: async () => {
    const { autoarena } = await import('./commands/autoarena.js');
    return (args, config) => autoarena(args, config());
  },
  eval: async () => {
    const { evaluate } = await import('./commands/eval.js');
    return (args, config) => evaluate(args, config());
  },
  sandbox: async () => {
    const { sandbox } = await import('./commands/sandbox.js');
    return async (args, config) => {
      process.exitCode = await sandbox(args, config());
    };
  },
};

/** Errors that mean bad input (exit 2, one line), told by name so that their modules need not be loaded. */
const INPUT_ERRORS = new Set(['UsageError', 'RewardInputError', 'BattlesFileError', 'ConfigError', 'ArenaError']);

const USAGE = `usage:
  arena serve
  arena rank [--input FILE] [--method bt|elo] [--style-control] [--bootstrap N] [--seed S] [--anchor MODEL=RATING] [--category C] [--format table|json|csv]
  arena import --battles FILE
  arena reward --votes FILE --judgements FILE [--format table|json]
  arena autoarena --prompts FILE... --models FILE --baseline ID [--judge ID] [--out DIR] [--limit N] [--concurrency N]
  arena eval --tasks FILE... (--models FILE | --models-from-db) [--model ID]... [--samples N] [--k 1,10] [--limit N] [--language L] [--out DIR] [--format table|json] [--concurrency N] [--store]
  arena sandbox run --language L FILE [--stdin FILE] [--timeout-ms N] [--memory-mb N] [--json]
  arena export --dataset battles|bigcodereward|judgements|eval --format jsonl|csv|parquet [--out FILE] [--since ISO] [--until ISO] [--category C] [--environment E]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) throw new UsageError(`unknown command ${command}`);
  const [{ loadConfig }, { configureLogging }] = await Promise.all([
    import('../config/config.js'),
    import('../logging/logger.js'),
  ]);
  // The configuration is read (and checked) when a command first asks for it.
  let config: ArenaConfig | undefined;
  const run = await load();
  configureLogging(process.env['LOG_LEVEL'] ?? 'warn');
  await run(rest, () => (config ??= loadConfig()));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof Error && INPUT_ERRORS.has(error.name);
  const message = error instanceof Error ? error.message : String(error);
  const codeError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`arena: ${known || codeError ? message.split('\n')[0] : `failed: ${message}`}\n`);
  if (codeError) process.stderr.write(`${USAGE}\n`);
  process.exit(known || codeError ? 2 : 1);
});
