import { describe, expect, it } from 'vitest';
import { storedStderrRanges } from './stored-snapshot.js';

describe('storedStderrRanges', () => {
  it('finds stderr after stdout, before it, or not at all', () => {
    expect(storedStderrRanges('1\n2\nTypeError: x\n', '1\n2\n', 'TypeError: x\n')).toEqual([[4, 17]]);
    expect(storedStderrRanges('warning\nok\n', 'ok\n', 'warning\n')).toEqual([[0, 8]]);
    expect(storedStderrRanges('ok\n', 'ok\n', '')).toBeUndefined();
  });

  it('gives up on interleaved streams rather than guess', () => {
    expect(storedStderrRanges('a\nE1\nb\nE2\n', 'a\nb\n', 'E1\nE2\n')).toBeUndefined();
  });
});
