import { FrameCoalescer } from '../realtime/frame-coalescer.js';
import { ThrottledWrite } from './throttled-write.js';

/**
 * The shape every streamed part of a battle has (an answer's text, a run's output): items are coalesced into
 * frames for the room (the first at once, then at most one frame per `frameMs`) and what they add up to is
 * written to the database at most once per `persistMs`, in order. `settle()` sends what is held and waits for
 * every write, before the final state is stored.
 */
export class PersistedStream<T> {
  private readonly writes: ThrottledWrite;
  private readonly frames: FrameCoalescer<T>;

  constructor(options: {
    frameMs: number;
    persistMs: number;
    /** Apply a batch of items to the in-memory state and send it to the room. */
    send: (items: T[]) => void;
    /** Write the state so far. */
    persist: () => Promise<unknown>;
    onPersistError: (error: unknown) => void;
  }) {
    this.writes = new ThrottledWrite(options.persistMs, options.persist, options.onPersistError);
    this.frames = new FrameCoalescer<T>(options.frameMs, (items) => {
      options.send(items);
      this.writes.maybe();
    });
  }

  push(item: T): void {
    this.frames.push(item);
  }

  /** Send what is held now (before any other frame of the same thing, so order holds). */
  flush(): void {
    this.frames.flush();
  }

  async settle(): Promise<void> {
    this.frames.flush();
    await this.writes.settled();
  }
}
