/** The languages `arena eval` assembles and runs (the sandbox environments of the same names). */
export const EVAL_LANGUAGES = ['python', 'javascript', 'typescript', 'cpp', 'java', 'go', 'rust'] as const;
export type EvalLanguage = (typeof EVAL_LANGUAGES)[number];

/** Which public format a task came in: it decides how an answer and the task's tests make one program. */
export type EvalTaskFormat = 'humaneval' | 'humaneval-x' | 'multipl-e';

/**
 * One test-based task, whatever file format it came in.
 *  - HumanEval (`openai_humaneval`): `task_id, prompt, canonical_solution, test, entry_point`; the program is
 *    prompt + completion + test + `check(entry_point)`.
 *  - HumanEval-X (`THUDM/humaneval-x`): `task_id` (`CPP/0`, `Go/3`…), `prompt, declaration,
 *    canonical_solution, test, example_test`, and for Go `import, test_setup`; the program is prompt +
 *    completion + test (Go: test_setup + prompt + completion + test, run by `go test`; Rust: a `#[cfg(test)]`
 *    module run by `cargo test`).
 *  - MultiPL-E (`nuprl/MultiPL-E`): `name, language, prompt, tests` (and `doctests, original, stop_tokens`);
 *    the program is prompt + completion + tests, where the tests begin by closing the function.
 */
export interface EvalTask {
  /** `task_id` or `name` as in the file. */
  id: string;
  language: EvalLanguage;
  format: EvalTaskFormat;
  prompt: string;
  tests: string;
  /** The function the tests call: HumanEval's `entry_point`, else the last function the prompt declares. */
  entryPoint: string;
  /** HumanEval-X Go: the file head `go test` needs (package clause and the test's imports). */
  testSetup?: string;
  /** The reference completion, when the file has one. */
  canonicalSolution?: string;
  /**
   * Further files the program finds beside it in its working directory (a helper module, a data file), by
   * relative path: the row's `files` field (an extension of the formats, for multi-file tasks).
   */
  files?: Record<string, string>;
  /**
   * An HTTP API of the task's own, served inside the sandbox (which has no network) on the loopback while the
   * program runs, its base URL in `API_BASE_URL`: the row's `mock_api` field, `"METHOD /path"` → the answer.
   * Python tasks only.
   */
  mockApi?: Record<string, MockRoute>;
  /** Where it was read (`file:line`), for messages. */
  source: string;
}

/** What the mock API answers on one route: a status (200), and a JSON value or a text body, with headers. */
export interface MockRoute {
  status?: number;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

/** A task's identity across task sets and languages (MultiPL-E reuses one name in every language). */
export function taskKey(task: Pick<EvalTask, 'language' | 'id'>): string {
  return `${task.language}:${task.id}`;
}
