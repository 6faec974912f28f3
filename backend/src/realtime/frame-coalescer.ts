export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The clock services coalesce frames by (a manual one in the deterministic tests). */
export const CLOCK = Symbol('CLOCK');

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

  /** Nothing held and no frame scheduled. */
  get idle(): boolean {
    return this.timer === undefined && this.pending.length === 0;
  }

  /** When the last frame went out (the clock's time). */
  get lastSentAt(): number {
    return this.lastSent;
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

/**
 * One coalescer per key (a battle's tally, a session's participant count), each dropped once it has been
 * idle for two intervals, so keys that stop changing cost nothing: a later push starts a fresh coalescer,
 * whose first frame goes out at once, at least two intervals after the last one.
 */
export class CoalescerMap<K, T> {
  private readonly coalescers = new Map<K, FrameCoalescer<T>>();
  /** Coalescers with a quiet-check pending. */
  private readonly checks = new WeakSet<FrameCoalescer<T>>();
  /** Sends still under way (a send may read the database before it emits). */
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly intervalMs: number,
    private readonly send: (key: K, items: T[]) => void | Promise<void>,
    private readonly clock: Clock = systemClock,
  ) {}

  push(key: K, item: T): void {
    let coalescer = this.coalescers.get(key);
    if (!coalescer) {
      const created = new FrameCoalescer<T>(
        this.intervalMs,
        (items) => {
          const sent = this.send(key, items);
          if (sent) {
            const tracked: Promise<void> = sent.finally(() => this.sending.delete(tracked));
            this.sending.add(tracked);
          }
          this.dropWhenIdle(key, created);
        },
        this.clock,
      );
      this.coalescers.set(key, (coalescer = created));
    }
    coalescer.push(item);
  }

  /** Send what is held for `key` now and forget it. */
  flush(key: K): void {
    const coalescer = this.coalescers.get(key);
    this.coalescers.delete(key);
    coalescer?.flush();
  }

  get size(): number {
    return this.coalescers.size;
  }

  /** Resolves once every send started so far has finished. */
  async settled(): Promise<void> {
    while (this.sending.size) await Promise.allSettled([...this.sending]);
  }

  /** Forget `key` without sending what is held (its subject is gone). */
  forget(key: K): void {
    this.coalescers.delete(key);
  }

  /**
   * Check, two intervals after its last frame, whether the key's coalescer has gone quiet, and drop it if so;
   * otherwise check again when it could be. One check pending per coalescer.
   */
  private dropWhenIdle(key: K, coalescer: FrameCoalescer<T>): void {
    if (this.checks.has(coalescer)) return;
    this.checks.add(coalescer);
    const check = (delay: number): void => {
      const timer = this.clock.setTimeout(() => {
        if (this.coalescers.get(key) !== coalescer) {
          this.checks.delete(coalescer);
          return;
        }
        // Timers may fire a little before the clock says they are due: wait for the rest, then look again.
        const rest = coalescer.lastSentAt + 2 * this.intervalMs - this.clock.now();
        if (coalescer.idle && rest <= 0) {
          this.coalescers.delete(key);
          this.checks.delete(coalescer);
        } else check(coalescer.idle ? Math.max(rest, 1) : this.intervalMs);
      }, delay);
      (timer as { unref?: () => void } | undefined)?.unref?.();
    };
    check(2 * this.intervalMs);
  }
}
