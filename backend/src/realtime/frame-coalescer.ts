export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Batches high-frequency frames: the first item goes out at once, later ones are held and sent together
 * at most once per interval. `flush()` before any other message keeps the order of everything sent.
 */
export class FrameCoalescer<T> {
  private pending: T[] = [];
  private timer: unknown;
  private lastSent = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (items: T[]) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  push(item: T): void {
    const now = this.clock.now();
    if (this.timer === undefined && now - this.lastSent >= this.intervalMs) {
      this.lastSent = now;
      this.send([item]);
      return;
    }
    this.pending.push(item);
    this.timer ??= this.clock.setTimeout(() => this.flush(), Math.max(0, this.lastSent + this.intervalMs - now));
  }

  flush(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.lastSent = this.clock.now();
    this.send(items);
  }
}
