import { describe, expect, it } from 'vitest';
import { parseTaskRow } from './task-file.js';
import { evalTaskSet } from './task-set.js';

const task = (id: string, test = 'def check(c):\n    assert c() == 1\n') =>
  parseTaskRow(
    {
      task_id: id,
      language: 'python',
      prompt: 'def f():\n',
      canonical_solution: '    return 1\n',
      test,
      entry_point: 'f',
    },
    'f:1',
  );

describe('evalTaskSet', () => {
  it('names a set after its files and hashes what makes its tasks, whatever their order', () => {
    const one = evalTaskSet(
      ['/data/humaneval/HumanEval.jsonl.gz', 'x/cpp.humaneval-x.jsonl'],
      [task('A/0'), task('A/1')],
    );
    expect(one.name).toBe('HumanEval+cpp.humaneval-x');
    expect(one.id).toBe(`HumanEval+cpp.humaneval-x@${one.hash.slice(0, 12)}`);
    expect(one.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(evalTaskSet(['HumanEval.jsonl.gz', 'cpp.humaneval-x.jsonl'], [task('A/1'), task('A/0')])).toEqual(one);
  });

  it('is another set when a task differs, one is left out, or the files are named otherwise', () => {
    const base = evalTaskSet(['t.jsonl'], [task('A/0'), task('A/1')]);
    expect(evalTaskSet(['t.jsonl'], [task('A/0')]).hash).not.toBe(base.hash);
    expect(evalTaskSet(['t.jsonl'], [task('A/0'), task('A/1', 'def check(c):\n    assert c() == 2\n')]).hash).not.toBe(
      base.hash,
    );
    expect(evalTaskSet(['my tasks (v2).jsonl'], [task('A/0'), task('A/1')]).id).toBe(
      `my-tasks-v2-@${base.hash.slice(0, 12)}`,
    );
  });
});
