/**
 * Writes streamed state to the database at most once per interval, one write at a time and in order,
 * so a fast stream costs a bounded number of queries and nothing is written out of order.
 */
export class ThrottledWrite {
  private chain: Promise<void> = Promise.resolve();
  private last = performance.now();

  constructor(
    private readonly intervalMs: number,
    private readonly write: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Write if the interval has passed since the last write. */
  maybe(): void {
    if (performance.now() - this.last >= this.intervalMs) this.now();
  }

  now(): void {
    this.last = performance.now();
    this.chain = this.chain.then(this.write).then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
  }

  /** Wait for every write started so far. */
  settled(): Promise<void> {
    return this.chain;
  }
}
