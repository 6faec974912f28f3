import { describe, expect, it } from 'vitest';
import { spread } from './round-robin.js';

describe('spread', () => {
  const items = ['py1', 'py2', 'py3', 'py4', 'js1', 'go1', 'go2'];
  const language = (s: string): string => s.slice(0, 2);

  it('takes from each group in turn, in the order the groups first appear', () => {
    expect(spread(items, 5, language)).toEqual(['py1', 'js1', 'go1', 'py2', 'go2']);
    expect(spread(items, 6, language)).toEqual(['py1', 'js1', 'go1', 'py2', 'go2', 'py3']);
  });

  it('keeps everything, in order, without a limit or with one no smaller than the list', () => {
    expect(spread(items, undefined, language)).toEqual(items);
    expect(spread(items, 7, language)).toEqual(items);
    expect(spread(items, 70, language)).toEqual(items);
  });
});
