import { StringDecoder } from 'node:string_decoder';
import type { OutputChunk, OutputStream } from './types.js';

/**
 * The output cap every runner enforces itself: bytes past `limit` are dropped and `exceeded` turns on
 * (the runner then stops the program and ends with `output_limit`). Raw bytes are decoded per stream
 * with a streaming UTF-8 decoder, so a character split across two chunks stays whole and invalid bytes
 * become U+FFFD instead of corrupting what follows.
 */
export class OutputGate {
  private used = 0;
  private readonly decoders: Record<OutputStream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };
  exceeded = false;

  constructor(
    private readonly limit: number,
    private readonly sink: ((chunk: OutputChunk) => void) | undefined,
    private readonly onExceeded?: () => void,
  ) {}

  get bytes(): number {
    return this.used;
  }

  /** Raw bytes from a process; returns false once the cap is reached. */
  writeBytes(stream: OutputStream, data: Buffer): boolean {
    if (this.exceeded) return false;
    const room = this.limit - this.used;
    const kept = data.length > room ? data.subarray(0, room) : data;
    this.used += kept.length;
    const text = this.decoders[stream].write(kept);
    if (text) this.sink?.({ stream, data: text });
    if (data.length > room) this.trip();
    return !this.exceeded;
  }

  /** Text that is already decoded (isolated-vm's console, Pyodide's streams). */
  write(stream: OutputStream, text: string): boolean {
    if (this.exceeded) return false;
    const bytes = Buffer.byteLength(text);
    if (this.used + bytes <= this.limit) {
      this.used += bytes;
      if (text) this.sink?.({ stream, data: text });
      return true;
    }
    return this.writeBytes(stream, Buffer.from(text));
  }

  /** Flush a dangling partial character at the end of the run. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest) this.sink?.({ stream, data: rest });
    }
  }

  private trip(): void {
    this.exceeded = true;
    this.onExceeded?.();
  }
}
