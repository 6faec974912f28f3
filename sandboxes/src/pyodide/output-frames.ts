import type { OutputStream } from '../types.js';

/**
 * Reads the frames the Pyodide worker writes its program's output as (worker.ts): a stream byte (1
 * stdout, 2 stderr), a uint32 LE length, then that many bytes. Chunks may split a frame anywhere.
 */
export class OutputFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: OutputStream, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32LE(1);
      if (this.pending.length < 5 + length) break;
      this.onFrame(this.pending[0] === 2 ? 'stderr' : 'stdout', this.pending.subarray(5, 5 + length));
      this.pending = this.pending.subarray(5 + length);
    }
  }
}
