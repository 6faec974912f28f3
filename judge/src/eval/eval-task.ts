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
  /** Where it was read (`file:line`), for messages. */
  source: string;
}

/** A task's identity across task sets and languages (MultiPL-E reuses one name in every language). */
export function taskKey(task: Pick<EvalTask, 'language' | 'id'>): string {
  return `${task.language}:${task.id}`;
}
