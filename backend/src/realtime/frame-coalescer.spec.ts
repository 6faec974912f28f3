import { describe, expect, it } from 'vitest';
import { FrameCoalescer, type Clock } from './frame-coalescer.js';

class ManualClock implements Clock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = until;
  }
}

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
