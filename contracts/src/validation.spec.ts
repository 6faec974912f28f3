import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BattleCreateInput, RunRequestInput } from './battle.js';
import { ArenaError } from './errors.js';
import { parseInput } from './validation.js';

function refusal(schema: z.ZodType, input: unknown): { code: string; message: string } {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof ArenaError) return error.toBody();
    throw error;
  }
  throw new Error('accepted');
}

describe('parseInput at the boundary', () => {
  it('refuses a NUL character in any string or key, naming the field', () => {
    expect(refusal(BattleCreateInput, { prompt: 'hi\u0000there' })).toEqual({
      code: 'invalid_input',
      message: 'prompt: must not contain NUL characters',
    });
    expect(refusal(BattleCreateInput, { prompt: 'ok', category: '\u0000' }).message).toBe(
      'category: must not contain NUL characters',
    );
    const run = { battleId: '00000000-0000-4000-8000-000000000000', side: 'a' };
    expect(refusal(RunRequestInput, { ...run, stdin: 'a\u0000' }).message).toBe(
      'stdin: must not contain NUL characters',
    );
    expect(refusal(z.object({ list: z.array(z.string()) }), { list: ['a', 'b\u0000'] }).message).toBe(
      'list.1: must not contain NUL characters',
    );
    expect(refusal(BattleCreateInput, { prompt: 'ok', ['x\u0000']: 1 }).code).toBe('invalid_input');
  });

  it('never echoes a large input back, and refuses values nested deeper than any payload', () => {
    const huge = 'x'.repeat(900_000);
    expect(refusal(z.object({ side: z.enum(['a', 'b']) }), { side: huge }).message.length).toBeLessThanOrEqual(301);
    expect(refusal(BattleCreateInput, { [huge]: 1, prompt: 'ok' }).message.length).toBeLessThanOrEqual(301);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = { deep };
    expect(refusal(BattleCreateInput, { prompt: 'ok', deep })).toMatchObject({ code: 'invalid_input' });
  });

  it('passes clean input through the schema unchanged', () => {
    expect(parseInput(BattleCreateInput, { prompt: '  Print hi  ' })).toEqual({ prompt: 'Print hi' });
  });
});
