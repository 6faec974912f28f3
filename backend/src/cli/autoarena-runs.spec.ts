import { describe, expect, it } from 'vitest';
import { screenshotName, Slots } from './autoarena-runs.js';

describe('Slots', () => {
  it('lets `size` holders in at once and the rest in the order they came, as places free', async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    const order: string[] = [];
    await slots.acquire(never);
    const second = slots.acquire(never).then(() => order.push('second'));
    const third = slots.acquire(never).then(() => order.push('third'));
    await Promise.resolve();
    expect(order).toEqual([]);
    slots.release();
    await second;
    expect(order).toEqual(['second']);
    slots.release();
    await third;
    expect(order).toEqual(['second', 'third']);
    slots.release();
    // Free again: the next one enters at once.
    await slots.acquire(never);
  });

  it('drops a waiter whose run was cancelled, so the place goes to the next', async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    await slots.acquire(never);
    const cancel = new AbortController();
    const cancelled = slots.acquire(cancel.signal);
    const next = slots.acquire(never);
    cancel.abort();
    await expect(cancelled).rejects.toThrow('cancelled');
    slots.release();
    await next;
  });
});

describe('screenshotName', () => {
  it('keeps a name readable and safe as a file name', () => {
    expect(screenshotName('openai/gpt-4o', '8484e22d')).toBe('openai_gpt-4o--8484e22d.jpg');
    expect(screenshotName('../..', 'a b')).toBe('.._..--a_b.jpg');
  });
});
