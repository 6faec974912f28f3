import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './repo-root.js';

/** The public data sets the tests read in place from the shared data folder, and where each comes from. */
const SOURCES = {
  'arena-hard-v0.1': 'lmarena/arena-hard-auto',
  'autocodearena-v0': 'bigcode/autocodearena-v0',
  humaneval: 'openai/openai_humaneval',
} as const;
export type SharedDataSet = keyof typeof SOURCES;

export interface SharedData {
  /** The shared data folder (absolute), whether or not it is there. */
  dir: string;
  /** A data set the suite needs is not there (outside CI only: in CI that throws): skip the suite. */
  missing: boolean;
}

/**
 * The shared reference data for the suite `suite`, which reads the data sets `needs` from it: the folder is
 * `ARENA_SHARED_DATA`, else `shared/data` beside the repository. When one of them is missing the suite cannot
 * run: outside CI it is skipped (`describe.skipIf(data.missing)`) with one line on stderr saying which suite,
 * why and how to get the data; with `CI` set (not to `false` or `0`) it is an error,
 * thrown here, so a CI run never passes by skipping.
 */
export function sharedData(suite: string, needs: readonly SharedDataSet[]): SharedData {
  const dir = path.resolve(process.env['ARENA_SHARED_DATA'] || path.join(REPO_ROOT, '../shared/data'));
  const absent = needs.filter((set) => !existsSync(path.join(dir, set)));
  if (absent.length === 0) return { dir, missing: false };
  const how =
    'set ARENA_SHARED_DATA to a folder holding ' +
    Object.entries(SOURCES)
      .map(([set, source]) => `${set}/ (public: ${source})`)
      .join(' and ') +
    ' (README: "Reference data")';
  const ci = process.env['CI'];
  if (ci && ci !== 'false' && ci !== '0')
    throw new Error(
      `"${suite}" needs the shared data, but ${absent.map((set) => path.join(dir, set)).join(' and ')} ` +
        `${absent.length > 1 ? 'are' : 'is'} not there (CI=${ci}: missing data fails the run); ${how}`,
    );
  process.stderr.write(`skipped "${suite}": no ${absent.join(' or ')} in ${dir}; ${how}\n`);
  return { dir, missing: true };
}

/** The whole text of a recorded Arena-Hard answer (`arena-hard-v0.1/model_answer/<model>.jsonl`, by its uid). */
export function arenaHardAnswer(data: SharedData, model: string, uid: string): string {
  const file = path.join(data.dir, 'arena-hard-v0.1', 'model_answer', `${model}.jsonl`);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes(uid)) continue;
    const row = JSON.parse(line) as { messages: { content: string | { answer: string } }[] };
    const content = row.messages.at(-1)!.content;
    return typeof content === 'string' ? content : content.answer;
  }
  throw new Error(`no answer ${uid} in ${model}`);
}
