import type { EvalStatus, RunStatus } from '@arena/contracts';
import type { EvalLanguage } from './eval-task.js';

/** How one sample ended against its task's tests: the contracts' list (the REST API and data set share it). */
export { EVAL_STATUSES, type EvalStatus } from '@arena/contracts';

/**
 * What each harness prints when a test's check fails (as opposed to the program crashing): Python's and
 * Node's AssertionError (and HumanEval-X's console.assert, made to throw one), glibc's assert(), Java's
 * AssertionError, a `go test` failure that is not a panic, Rust's assert!/assert_eq! panics.
 */
const ASSERTION: Record<EvalLanguage, RegExp> = {
  python: /\bAssertionError\b/,
  javascript: /\bAssertionError\b|\bAssertion failed\b/,
  typescript: /\bAssertionError\b|\bAssertion failed\b/,
  cpp: /Assertion [`'‘].*[`'’] failed/,
  java: /\bjava\.lang\.AssertionError\b/,
  go: /^--- FAIL: /m,
  rust: /\bassertion (?:`[^`]*` )?failed\b|\bassertion failed: /,
};
const NOT_ASSERTION: Partial<Record<EvalLanguage, RegExp>> = {
  // A Go test that panics is reported as a FAIL too, then the panic ends the program.
  go: /^panic: /m,
};

/** The sample's status from the sandbox's: a runtime error whose output shows a failed check is a failed assertion. */
export function classifyRun(language: EvalLanguage, status: RunStatus, output: string): EvalStatus {
  switch (status) {
    case 'ok':
      return 'passed';
    case 'runtime_error':
      return ASSERTION[language].test(output) && !NOT_ASSERTION[language]?.test(output)
        ? 'failed_assertion'
        : 'runtime_error';
    case 'compile_error':
    case 'timeout':
    case 'memory_limit':
    case 'output_limit':
    case 'unsupported':
    case 'internal_error':
      return status;
  }
}
