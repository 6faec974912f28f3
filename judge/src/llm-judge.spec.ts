import { describe, expect, it } from 'vitest';
import { combineOrders, judgeOnce, judgePrompt, truncateMiddle, type BattleForJudging } from './llm-judge.js';

const battle: BattleForJudging = {
  id: 'b1',
  instruction: 'Print the first 5 squares',
  answers: { a: 'ANSWER-ALPHA', b: 'ANSWER-BETA' },
  executions: {
    a: { status: 'ok', stdout: '1 4 9 16 25\n', stderr: '', exitCode: 0 },
    b: { status: 'runtime_error', stdout: '', stderr: 'NameError: x', exitCode: 1 },
  },
};

describe('the LLM judge', () => {
  it('shows the sides in the asked order, with execution results only in that mode', () => {
    const ab = judgePrompt(battle, 'with_execution', 'ab')[1]!.content;
    expect(ab.indexOf('ANSWER-ALPHA')).toBeLessThan(ab.indexOf('ANSWER-BETA'));
    expect(ab).toMatch(/<execution_A>\nstatus: ok \(exit code 0\)/);
    const ba = judgePrompt(battle, 'with_execution', 'ba')[1]!.content;
    expect(ba.indexOf('ANSWER-BETA')).toBeLessThan(ba.indexOf('ANSWER-ALPHA'));
    expect(ba).toMatch(/<execution_A>\nstatus: runtime_error/);
    expect(judgePrompt(battle, 'without_execution', 'ab')[1]!.content).not.toContain('execution_A');
  });

  it('cuts long answers in the middle, keeping both ends', () => {
    const cut = truncateMiddle(`HEAD${'x'.repeat(10_000)}TAIL`, 100);
    expect(cut.startsWith('HEAD')).toBe(true);
    expect(cut.endsWith('TAIL')).toBe(true);
    expect(cut).toMatch(/characters cut/);
  });

  it('maps a verdict on the swapped order back to the battle, and retries unreadable output', async () => {
    const replies = ['I cannot decide.', 'Let me think... {"reasoning": "the first one ran", "winner": "A"}'];
    let calls = 0;
    const result = await judgeOnce(async () => replies[calls++]!, battle, 'with_execution', 'ba', {
      signal: new AbortController().signal,
    });
    expect(calls).toBe(2);
    expect(result).toMatchObject({ order: 'ba', verdict: 'B', attempts: 2, reasoning: 'the first one ran' });
  });

  it('gives up after the retries with the raw output', async () => {
    await expect(
      judgeOnce(async () => 'no idea', battle, 'without_execution', 'ab', {
        retries: 1,
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ name: 'JudgeOutputError', attempts: 2, raw: 'no idea' });
  });

  it('combines the two orders and flags position bias', () => {
    expect(combineOrders('A', 'A')).toEqual({ verdict: 'A', positionBias: false });
    expect(combineOrders('A', 'B')).toEqual({ verdict: 'tie', positionBias: true });
    expect(combineOrders('A', 'tie')).toEqual({ verdict: 'A', positionBias: true });
    expect(combineOrders('both_bad', 'both_bad')).toEqual({ verdict: 'both_bad', positionBias: false });
    expect(combineOrders('B', 'both_bad')).toEqual({ verdict: 'B', positionBias: true });
  });
});
