import type { OutputStream } from '../types.js';

/**
 * Splits Docker's multiplexed attach stream (`Tty: false`): frames of an 8-byte header — stream type
 * (1 stdout, 2 stderr), three zero bytes, a big-endian uint32 length — then the payload. Frames and
 * headers may be cut anywhere across the chunks the socket delivers.
 */
export class DockerDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: OutputStream, data: Buffer) => void) {}

  /** Bytes of a frame not yet complete. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    let buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buffer.length >= 8) {
      const size = buffer.readUInt32BE(4);
      if (buffer.length < 8 + size) break;
      const type = buffer[0];
      const payload = buffer.subarray(8, 8 + size);
      if (type === 1 || type === 2) this.onFrame(type === 1 ? 'stdout' : 'stderr', payload);
      buffer = buffer.subarray(8 + size);
    }
    this.pending = Buffer.from(buffer);
  }
}

/**
 * Holds back stderr until the driver's marker says the compile step passed: what comes before it is the
 * compiler's output, what comes after is the program's. The marker is a fresh random string per run and
 * the driver prints it before the program starts, so a program cannot take it away.
 */
export class MarkerSplitter {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private tail = Buffer.alloc(0);
  seen = false;

  constructor(
    private readonly marker: Buffer,
    private readonly maxHeld: number,
    private readonly emit: (data: Buffer) => void,
  ) {}

  push(data: Buffer): void {
    if (this.seen) return this.emit(data);
    const joined = Buffer.concat([this.tail, data]);
    const at = joined.indexOf(this.marker);
    if (at !== -1) {
      this.seen = true;
      this.hold(joined.subarray(0, at));
      this.release();
      const after = joined.subarray(at + this.marker.length);
      if (after.length) this.emit(after);
      return;
    }
    // Keep the last marker-length-1 bytes back: the marker may be split across chunks.
    const keep = Math.min(joined.length, this.marker.length - 1);
    this.hold(joined.subarray(0, joined.length - keep));
    this.tail = Buffer.from(joined.subarray(joined.length - keep));
  }

  /** The compile output collected so far (the run ended before the marker). */
  flush(): void {
    this.hold(this.tail);
    this.tail = Buffer.alloc(0);
    this.release();
  }

  private hold(data: Buffer): void {
    if (!data.length || this.heldBytes >= this.maxHeld) return;
    const kept = data.subarray(0, this.maxHeld - this.heldBytes);
    this.held.push(Buffer.from(kept));
    this.heldBytes += kept.length;
  }

  private release(): void {
    for (const data of this.held) this.emit(data);
    this.held = [];
  }
}
