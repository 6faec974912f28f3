import { describe, expect, it } from 'vitest';
import { classifyRun } from './eval-status.js';

describe('sample statuses', () => {
  it('tells a failed check from a crash, per language', () => {
    const cases: [Parameters<typeof classifyRun>[0], string, string][] = [
      ['python', 'Traceback…\n    assert candidate(1) == 2\nAssertionError\n', 'TypeError: unsupported operand\n'],
      [
        'javascript',
        'Uncaught AssertionError: Assertion failed\n',
        "TypeError: Cannot read properties of null (reading 'x')\n",
      ],
      [
        'typescript',
        'AssertionError [ERR_ASSERTION]: Expected values to be loosely deep-equal\n',
        'RangeError: Maximum call stack\n',
      ],
      [
        'cpp',
        "main: main.cpp:12: int main(): Assertion `f(1) == 2' failed.\n",
        "terminate called after throwing an instance of 'std::out_of_range'\n",
      ],
      [
        'java',
        'Exception in thread "main" java.lang.AssertionError\n',
        'Exception in thread "main" java.lang.NullPointerException\n',
      ],
      [
        'go',
        '--- FAIL: TestF (0.00s)\n    main.go:25: Error: Not equal:\nFAIL\n',
        '--- FAIL: TestF (0.00s)\npanic: runtime error: index out of range [0] with length 0 [recovered]\n',
      ],
      [
        'rust',
        "thread 'main' panicked at 'assertion failed: `(left == right)`\n  left: `1`,\n right: `2`', main.rs:3:5\n",
        "thread 'main' panicked at 'index out of bounds: the len is 0 but the index is 0', main.rs:4:5\n",
      ],
    ];
    for (const [language, assertion, crash] of cases) {
      expect(classifyRun(language, 'runtime_error', assertion), language).toBe('failed_assertion');
      expect(classifyRun(language, 'runtime_error', crash), language).toBe('runtime_error');
    }
    expect(
      classifyRun(
        'rust',
        'runtime_error',
        "thread 'main' panicked at main.rs:3:5:\nassertion `left == right` failed\n",
      ),
    ).toBe('failed_assertion');
  });

  it('keeps the sandbox’s other endings, and ok is a pass', () => {
    expect(classifyRun('python', 'ok', '')).toBe('passed');
    for (const status of [
      'compile_error',
      'timeout',
      'memory_limit',
      'output_limit',
      'unsupported',
      'internal_error',
    ] as const)
      expect(classifyRun('cpp', status, 'AssertionError')).toBe(status);
  });
});
