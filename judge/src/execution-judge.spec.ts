import { describe, expect, it } from 'vitest';
import { judgeByExecution, type JudgedSide } from './execution-judge.js';

const run = (status: NonNullable<JudgedSide['execution']>['status'], stdout = 'out\n', stderr = ''): JudgedSide => ({
  execution: { status, stdout, stderr },
});

/** A run that printed nothing and rendered something (`true`: not blank). */
const rendered = (nonBlank: boolean): JudgedSide => ({
  execution: { status: 'ok', stdout: '', stderr: '', rendered: nonBlank },
});

describe('judgeByExecution', () => {
  it.each([
    ['ran beats crashed', run('ok'), run('runtime_error'), 'A'],
    ['compiled beats did not compile', run('compile_error'), run('ok'), 'B'],
    ['ran beats no code', run('ok'), {}, 'A'],
    ['both failing is both bad', run('timeout'), run('memory_limit'), 'both_bad'],
    ['printing beats silence', run('ok', ''), run('ok', '42\n'), 'B'],
    ['both ran and printed: a tie', run('ok'), run('ok', 'other\n'), 'tie'],
    ['neither had code: a tie', {}, {}, 'tie'],
    ['a run the arena could not perform decides nothing', run('unsupported', ''), run('ok'), 'tie'],
    ['a sandbox error decides nothing', run('runtime_error'), run('internal_error'), 'tie'],
    ['without output, a non-blank rendering beats silence', rendered(false), rendered(true), 'B'],
    ['a blank rendering is silence', rendered(false), run('ok', ''), 'tie'],
    ['output and a rendering: a tie', run('ok'), rendered(true), 'tie'],
  ])('%s', (_, a, b, verdict) => {
    const judged = judgeByExecution(a, b);
    expect(judged.verdict).toBe(verdict);
    expect(judged.reasoning).toMatch(/^A .*; B .*\./);
  });

  it('is symmetric: swapping the sides swaps the verdict', () => {
    const sides: JudgedSide[] = [
      run('ok'),
      run('ok', ''),
      run('runtime_error'),
      run('timeout'),
      {},
      run('unsupported'),
      rendered(true),
    ];
    const swap = { A: 'B', B: 'A', tie: 'tie', both_bad: 'both_bad' } as const;
    for (const a of sides)
      for (const b of sides) expect(judgeByExecution(b, a).verdict).toBe(swap[judgeByExecution(a, b).verdict]);
  });
});
