import { describe, expect, it } from 'vitest';
import { CoalescerMap, FrameCoalescer } from './frame-coalescer.js';
import { ManualClock } from './manual-clock.js';

describe('FrameCoalescer', () => {
  it('sends the first item at once and batches the rest into one frame per interval', () => {
    const clock = new ManualClock();
    const sent: string[][] = [];
    const c = new FrameCoalescer<string>(30, (items) => sent.push(items), clock);
    c.push('a');
    expect(sent).toEqual([['a']]);
    c.push('b');
    clock.advance(10);
    c.push('c');
    expect(sent).toHaveLength(1);
    clock.advance(20);
    expect(sent).toEqual([['a'], ['b', 'c']]);
    c.push('d');
    expect(sent).toHaveLength(2);
    clock.advance(30);
    expect(sent).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('sends at once again after a quiet interval', () => {
    const clock = new ManualClock();
    const sent: string[][] = [];
    const c = new FrameCoalescer<string>(30, (items) => sent.push(items), clock);
    c.push('a');
    clock.advance(100);
    c.push('b');
    expect(sent).toEqual([['a'], ['b']]);
  });

  it('flush sends what is pending immediately, keeping order, and cancels the timer', () => {
    const clock = new ManualClock();
    const sent: string[][] = [];
    const c = new FrameCoalescer<string>(30, (items) => sent.push(items), clock);
    c.push('a');
    c.push('b');
    c.flush();
    expect(sent).toEqual([['a'], ['b']]);
    clock.advance(100);
    expect(sent).toHaveLength(2);
    c.flush();
    expect(sent).toHaveLength(2);
  });

  it('with a zero interval sends every item as it comes', () => {
    const clock = new ManualClock();
    const sent: string[][] = [];
    const c = new FrameCoalescer<string>(0, (items) => sent.push(items), clock);
    c.push('a');
    c.push('b');
    expect(sent).toEqual([['a'], ['b']]);
  });
});

describe('CoalescerMap', () => {
  it('coalesces per key and forgets a key once it has been idle for two intervals', () => {
    const clock = new ManualClock();
    const sent: [string, number[]][] = [];
    const map = new CoalescerMap<string, number>(100, (key, items) => void sent.push([key, items]), clock);
    map.push('s1', 1);
    map.push('s1', 2);
    map.push('s2', 7);
    expect(sent).toEqual([
      ['s1', [1]],
      ['s2', [7]],
    ]);
    expect(map.size).toBe(2);
    clock.advance(100);
    expect(sent).toEqual([
      ['s1', [1]],
      ['s2', [7]],
      ['s1', [2]],
    ]);
    // s2 sent at 0 and is dropped at 200; s1 sent again at 100, so it stays until 300.
    clock.advance(100);
    expect(map.size).toBe(1);
    clock.advance(100);
    expect(map.size).toBe(0);
    // A later push starts afresh: its first frame goes out at once.
    map.push('s1', 3);
    expect(sent[sent.length - 1]).toEqual(['s1', [3]]);
  });

  it('keeps a key that is still busy', () => {
    const clock = new ManualClock();
    const map = new CoalescerMap<string, number>(100, () => undefined, clock);
    for (let t = 0; t < 10; t++) {
      map.push('busy', t);
      clock.advance(50);
    }
    expect(map.size).toBe(1);
    clock.advance(500);
    expect(map.size).toBe(0);
  });

  it('forgets a key even when its timers fire a little before the clock says they are due', () => {
    // Node's timers may run a few ms before performance.now() says they are due: here longer ones run 3 ms early.
    const clock = new ManualClock();
    const early = {
      now: () => clock.now(),
      setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms >= 10 ? ms - 3 : ms),
      clearTimeout: (handle: unknown) => clock.clearTimeout(handle),
    };
    const map = new CoalescerMap<string, number>(100, () => undefined, early);
    map.push('k', 1);
    clock.advance(199);
    expect(map.size).toBe(1);
    clock.advance(1);
    expect(map.size).toBe(0);
    clock.advance(1_000);
    expect(clock.pending).toBe(0);
  });

  it('flush sends what is held and forgets the key', () => {
    const clock = new ManualClock();
    const sent: number[][] = [];
    const map = new CoalescerMap<string, number>(100, (_key, items) => void sent.push(items), clock);
    map.push('k', 1);
    map.push('k', 2);
    map.flush('k');
    expect(sent).toEqual([[1], [2]]);
    expect(map.size).toBe(0);
  });
});
