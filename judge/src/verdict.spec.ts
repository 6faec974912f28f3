import { describe, expect, it } from 'vitest';
import { parseVerdict } from './verdict.js';

describe('parseVerdict', () => {
  it.each([
    ['{"verdict": "A", "reasoning": "A ran, B crashed"}', 'A', 'json'],
    [
      'Sure! Here is my evaluation.\n```json\n{\n  "winner": "Model B",\n  "rationale": "cleaner"\n}\n```\nHope this helps.',
      'B',
      'json',
    ],
    ['{"Verdict":"TIE","Reasoning":"same output"}', 'tie', 'json'],
    ['{"verdict": "both bad", "reasoning": "neither compiles"}', 'both_bad', 'json'],
    ['{"choice": "vote_both_bad"}', 'both_bad', 'json'],
    ['{"vote": "vote_left"}', 'A', 'json'],
    ['{"winner": "vote_right", "explanation": "{nested} braces in \\"prose\\""}', 'B', 'json'],
    ['{"verdict": "[[B>>A]]"}', 'B', 'json'],
    ['My final verdict is Assistant A is significantly better: [[A>>B]]', 'A', 'label'],
    ['... so [[a > b]].', 'A', 'label'],
    ['Final verdict: [[A=B]]', 'tie', 'label'],
    ['I judge [[B>A]] overall', 'B', 'label'],
    ['In the end [[A<<B]]', 'B', 'label'],
    ['Verdict repeated: [[B>A]] ... as said, [[B>A]]', 'B', 'label'],
  ])('reads %j', (output, verdict, format) => {
    const parsed = parseVerdict(output);
    expect(parsed).toMatchObject({ ok: true, verdict, format });
  });

  it('keeps the reasoning and the five-level label', () => {
    expect(parseVerdict('{"verdict":"A>B","reasoning":"slightly better"}')).toEqual({
      ok: true,
      verdict: 'A',
      label: 'A>B',
      reasoning: 'slightly better',
      format: 'json',
    });
    expect(parseVerdict('[[B>>A]]')).toMatchObject({ label: 'B>>A' });
  });

  it('refuses outputs with nothing to read, and contradictory ones', () => {
    expect(parseVerdict('I cannot decide.')).toEqual({ ok: false, reason: 'nothing_parseable' });
    expect(parseVerdict('{"verdict": "maybe"}')).toEqual({ ok: false, reason: 'nothing_parseable' });
    expect(parseVerdict('')).toEqual({ ok: false, reason: 'nothing_parseable' });
    expect(parseVerdict('first [[A>B]] then [[B>A]]')).toEqual({ ok: false, reason: 'ambiguous' });
    expect(parseVerdict('{"verdict":"A"} and later {"verdict":"B"}')).toEqual({ ok: false, reason: 'ambiguous' });
    expect(parseVerdict('[[A>A]]')).toEqual({ ok: false, reason: 'nothing_parseable' });
  });
});
