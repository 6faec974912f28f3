/** A growable run of bytes, filled in place and emptied (`length = 0`) to be filled again. */
export class Bytes {
  buffer: Buffer;
  length = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** Make room for `size` more bytes (at least doubling when it grows). */
  room(size: number): void {
    if (this.length + size <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + size));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  push(value: number): void {
    this.room(1);
    this.buffer[this.length++] = value;
  }

  append(bytes: Buffer, from = 0, to = bytes.length): void {
    this.room(to - from);
    this.length += bytes.copy(this.buffer, this.length, from, to);
  }

  text(value: string): void {
    this.room(Buffer.byteLength(value));
    this.length += this.buffer.write(value, this.length);
  }

  /** The bytes so far (a view: it changes as the bytes do). */
  get bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
