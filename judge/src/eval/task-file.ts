import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { EVAL_LANGUAGES, type EvalLanguage, type EvalTask, type EvalTaskFormat, type MockRoute } from './eval-task.js';
import { lastFunctionName } from './source-scan.js';

/** A task file that cannot be read as tasks: the message names the file and line. */
export class TaskFileError extends Error {
  override name = 'TaskFileError';
}

/** Names the formats use for a language: MultiPL-E's `language` field, HumanEval-X's `task_id` prefix, flags. */
const LANGUAGE_NAMES: Record<string, EvalLanguage> = {
  humaneval: 'python',
  python: 'python',
  python3: 'python',
  py: 'python',
  javascript: 'javascript',
  js: 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
  cpp: 'cpp',
  'c++': 'cpp',
  cxx: 'cpp',
  java: 'java',
  go: 'go',
  go_test: 'go',
  'go_test.go': 'go',
  golang: 'go',
  rust: 'rust',
  rs: 'rust',
};

/** The language a name stands for, or undefined when `arena eval` does not run it. */
export function evalLanguage(name: string): EvalLanguage | undefined {
  return LANGUAGE_NAMES[name.trim().toLowerCase()];
}

const text = (row: Record<string, unknown>, field: string): string | undefined =>
  typeof row[field] === 'string' ? row[field] : undefined;

/**
 * One JSON row of a task file as a task. The format is told by the fields (`name` + `tests` is MultiPL-E,
 * `entry_point` is HumanEval, a language prefix on `task_id` is HumanEval-X) and the language by, in order,
 * `language` given by the caller (`--language`), the row's `language` field, the `task_id` prefix.
 */
export function parseTaskRow(row: Record<string, unknown>, source: string, language?: EvalLanguage): EvalTask {
  const fail = (why: string): never => {
    throw new TaskFileError(`${source}: ${why}`);
  };
  const prompt = text(row, 'prompt') ?? fail('a task needs a prompt');
  const multiple = text(row, 'tests');
  const id = text(row, 'task_id') ?? text(row, 'name') ?? fail('a task needs task_id (or name)');
  const prefix = id.includes('/') ? id.slice(0, id.indexOf('/')) : undefined;
  const named = text(row, 'language');
  const lang =
    language ??
    (named !== undefined ? (evalLanguage(named) ?? fail(`language ${named} is not one arena eval runs`)) : undefined) ??
    (prefix !== undefined ? evalLanguage(prefix) : undefined) ??
    fail(
      `no language: give the row a language field, a task_id such as CPP/0, or --language (${EVAL_LANGUAGES.join(', ')})`,
    );
  let format: EvalTaskFormat;
  let tests: string;
  if (multiple !== undefined && text(row, 'test') === undefined) {
    format = 'multipl-e';
    tests = multiple;
  } else {
    tests = text(row, 'test') ?? fail('a task needs test (HumanEval, HumanEval-X) or tests (MultiPL-E)');
    format =
      text(row, 'entry_point') !== undefined && lang === 'python' && prefix !== 'Python' ? 'humaneval' : 'humaneval-x';
  }
  const entryPoint =
    text(row, 'entry_point') ??
    lastFunctionName(lang, text(row, 'declaration') ?? prompt) ??
    fail('no entry point: the prompt declares no function');
  const testSetup = text(row, 'test_setup');
  const canonical = text(row, 'canonical_solution');
  const files = extraFiles(row['files'], fail);
  const mockApi = mockRoutes(row['mock_api'], fail);
  if (mockApi && !MOCK_API_LANGUAGES.has(lang))
    fail(`mock_api tasks run in Python, JavaScript and TypeScript only (not ${lang})`);
  return {
    id,
    language: lang,
    format,
    prompt,
    tests,
    entryPoint,
    ...(testSetup !== undefined ? { testSetup } : {}),
    ...(canonical !== undefined ? { canonicalSolution: canonical } : {}),
    ...(files ? { files } : {}),
    ...(mockApi ? { mockApi } : {}),
    source,
  };
}

/** The languages whose programs serve a task's mock API themselves (see `assembleProgram`). */
const MOCK_API_LANGUAGES: ReadonlySet<EvalLanguage> = new Set(['python', 'javascript', 'typescript']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A relative path that stays in the work dir, in the characters the sandbox accepts. */
const FILE_NAME = /^(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,200}$/;

function extraFiles(value: unknown, fail: (why: string) => never): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return fail('files is an object of relative path → text');
  for (const [name, content] of Object.entries(value)) {
    if (!FILE_NAME.test(name)) fail(`files: ${JSON.stringify(name)} is not a relative path inside the work dir`);
    if (typeof content !== 'string') fail(`files: ${name} is not text`);
  }
  return value as Record<string, string>;
}

const ROUTE = /^(GET|POST|PUT|PATCH|DELETE) \/\S*$/;

function mockRoutes(value: unknown, fail: (why: string) => never): Record<string, MockRoute> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return fail('mock_api is an object of "METHOD /path" → { status, json | body, headers }');
  for (const [route, answer] of Object.entries(value)) {
    if (!ROUTE.test(route)) fail(`mock_api: ${JSON.stringify(route)} is not "METHOD /path"`);
    if (!isObject(answer)) fail(`mock_api: ${route} needs { status, json | body, headers }`);
    const { status, body, headers } = answer;
    if (status !== undefined && (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599))
      fail(`mock_api: ${route}: status is an HTTP status`);
    if (body !== undefined && typeof body !== 'string') fail(`mock_api: ${route}: body is text`);
    if (headers !== undefined && (!isObject(headers) || Object.values(headers).some((h) => typeof h !== 'string')))
      fail(`mock_api: ${route}: headers are name → text`);
  }
  return value as Record<string, MockRoute>;
}

/** Every task of a JSONL file (gzip-compressed when its name ends in `.gz`), read as it streams. */
export async function readTaskFile(file: string, language?: EvalLanguage): Promise<EvalTask[]> {
  const tasks: EvalTask[] = [];
  let line = 0;
  try {
    const raw = createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    raw.on('error', (error) => input.destroy(error));
    for await (const row of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (!row.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(row);
      } catch {
        throw new TaskFileError(`${file}:${line}: not JSON`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new TaskFileError(`${file}:${line}: a task is a JSON object`);
      tasks.push(parseTaskRow(value as Record<string, unknown>, `${file}:${line}`, language));
    }
  } catch (error) {
    if (error instanceof TaskFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new TaskFileError(`cannot read ${file}: ${code ?? (error instanceof Error ? error.message : String(error))}`);
  }
  return tasks;
}
