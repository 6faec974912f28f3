import { describe, expect, it } from 'vitest';
import { pluralityWinner } from './session-results.js';

const tally = (model_a: number, model_b: number, tie: number, bothbad: number) => ({
  counts: { model_a, model_b, tie, 'tie (bothbad)': bothbad },
  voters: model_a + model_b + tie + bothbad,
});

describe('pluralityWinner', () => {
  it('is the outcome with the most votes, a tie at the top, or none without votes', () => {
    expect(pluralityWinner(tally(3, 1, 0, 0))).toBe('model_a');
    expect(pluralityWinner(tally(0, 2, 1, 1))).toBe('model_b');
    expect(pluralityWinner(tally(0, 0, 0, 4))).toBe('tie (bothbad)');
    expect(pluralityWinner(tally(2, 2, 0, 0))).toBe('tie');
    expect(pluralityWinner(tally(0, 0, 0, 0))).toBeNull();
  });
});
