import type { ClientBase, Connection, Submittable } from 'pg';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000n;
const NULL = -1;

/** A binary `timestamptz` field starting at `start`, as microseconds since the Unix epoch. */
export function timestampMicros(buffer: Buffer, start: number): bigint {
  return buffer.readBigInt64BE(start) + PG_EPOCH_US;
}

/** A binary `timestamptz` field starting at `start`, as seconds since the Unix epoch, to the millisecond. */
export function epochSeconds(buffer: Buffer, start: number): number {
  return Number(timestampMicros(buffer, start) / 1000n) / 1000;
}

/** Microseconds since the epoch as exact ISO text, for a keyset or a parts stamp. */
export function isoMicros(micros: bigint): string {
  const iso = new Date(Number(micros / 1000n)).toISOString();
  return `${iso.slice(0, 23)}${String(((micros % 1000n) + 1000n) % 1000n).padStart(3, '0')}Z`;
}

/** How a column's value travels in the binary COPY (and so how a writer reads its bytes). */
export type Wire = 'text' | 'int4' | 'bool' | 'timestamptz';

/** A value as the bytes of its binary COPY field. */
export function fieldBytes(value: string | number | boolean | null): Buffer | null {
  if (value === null) return null;
  if (typeof value === 'number') return int4Bytes(value);
  if (typeof value === 'boolean') return Buffer.of(value ? 1 : 0);
  return Buffer.from(value, 'utf8');
}

/** A number as the bytes of a binary `int4` field. */
export function int4Bytes(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeInt32BE(value, 0);
  return bytes;
}

/**
 * Memory a binary COPY is received in (`buffer`) and indexed in (`offsets`, `lengths`: a field each), grown
 * as needed; `BinaryRows.memory` gives it back for the next COPY once the rows are done with.
 */
export interface CopyMemory {
  buffer: Buffer;
  offsets: Int32Array;
  lengths: Int32Array;
}

export function copyMemory(bytes = 1 << 16, fields = 1 << 10): CopyMemory {
  return { buffer: Buffer.allocUnsafe(bytes), offsets: new Int32Array(fields), lengths: new Int32Array(fields) };
}

/**
 * The rows of one binary COPY, kept as the bytes PostgreSQL sent and, per field, where its value starts and
 * how long it is: no object per field or per row, so reading a page costs little more than receiving it.
 * A field can be replaced by other bytes (`set`); `NULL` fields have no bytes.
 */
export class BinaryRows {
  private readonly patches: Buffer[] = [];

  constructor(
    /** The whole buffer the rows were received in. */
    private readonly buffer: Buffer,
    /** The rows' bytes, at the start of `buffer`. */
    readonly data: Buffer,
    /** Per field (row-major): its offset in `data`, `-1` for NULL, or `-2 - i` for `patches[i]`. */
    private readonly offsets: Int32Array,
    private readonly lengths: Int32Array,
    readonly columns: number,
    readonly count: number,
  ) {}

  /** The memory the rows are in, for another COPY once they are done with. */
  get memory(): CopyMemory {
    return { buffer: this.buffer, offsets: this.offsets, lengths: this.lengths };
  }

  /** Where `at` found the field: `start` and `end` in the buffer it returned. */
  start = 0;
  end = 0;

  /** Point at a field: the buffer that holds it (null for NULL), its bounds in `start` and `end`. Nothing is copied. */
  at(row: number, column: number): Buffer | null {
    const k = row * this.columns + column;
    const offset = this.offsets[k]!;
    if (offset === NULL) return null;
    if (offset >= 0) {
      this.start = offset;
      this.end = offset + this.lengths[k]!;
      return this.data;
    }
    const patch = this.patches[-2 - offset]!;
    this.start = 0;
    this.end = patch.length;
    return patch;
  }

  text(row: number, column: number): string | null {
    return this.at(row, column)?.toString('utf8', this.start, this.end) ?? null;
  }

  bool(row: number, column: number): boolean | null {
    const buffer = this.at(row, column);
    return buffer && buffer[this.start] === 1;
  }

  /** A `timestamptz` as microseconds since the Unix epoch. */
  micros(row: number, column: number): bigint | null {
    const buffer = this.at(row, column);
    return buffer && timestampMicros(buffer, this.start);
  }

  /** A `uuid` in its text form. */
  uuid(row: number, column: number): string | null {
    const hex = this.at(row, column)?.toString('hex', this.start, this.end);
    return hex === undefined
      ? null
      : `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Replace a field's value (null for NULL). */
  set(row: number, column: number, value: Buffer | null): void {
    const k = row * this.columns + column;
    if (value === null) {
      this.offsets[k] = NULL;
      return;
    }
    this.offsets[k] = -2 - this.patches.length;
    this.patches.push(value);
  }
}

/**
 * Parse a whole binary COPY, the first `length` bytes of `buffer` (a header, then per row a 16-bit field
 * count and each field as a 32-bit length and its bytes, then a -1 trailer), indexing its fields in `index`
 * (or larger arrays, when they do not fit).
 */
export function parseBinaryCopy(
  buffer: Buffer,
  length = buffer.length,
  index: Pick<CopyMemory, 'offsets' | 'lengths'> = copyMemory(0),
): BinaryRows {
  const data = buffer.subarray(0, length);
  if (data.length < 21 || !data.subarray(0, 11).equals(SIGNATURE)) throw new Error('binary COPY: bad signature');
  let at = 19 + data.readUInt32BE(15);
  let columns = -1;
  let count = 0;
  let { offsets, lengths } = index;
  let k = 0;
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    if (columns === -1) columns = fields;
    else if (fields !== columns) throw new Error('binary COPY: rows of different widths');
    if (k + fields > offsets.length) {
      const size = Math.max(offsets.length * 2, k + fields, 1024);
      const grownOffsets = new Int32Array(size);
      grownOffsets.set(offsets);
      offsets = grownOffsets;
      const grownLengths = new Int32Array(size);
      grownLengths.set(lengths);
      lengths = grownLengths;
    }
    for (let i = 0; i < fields; i++) {
      const length = data.readInt32BE(at);
      at += 4;
      if (length === -1) {
        offsets[k] = NULL;
      } else {
        offsets[k] = at;
        lengths[k] = length;
        at += length;
      }
      k++;
    }
    count++;
  }
  if (at !== data.length) throw new Error('binary COPY: bytes after the trailer');
  return new BinaryRows(buffer, data, offsets, lengths, Math.max(columns, 0), count);
}

/**
 * `COPY (query) TO STDOUT (FORMAT binary)` as a query the `pg` client runs like any other: each CopyData
 * message (a view into the driver's receive buffer, valid only while it is handled) is copied once into one
 * growing buffer, and the rows are parsed from it when the command is done.
 */
class BinaryCopyQuery implements Submittable {
  private data: Buffer;
  private readonly index: Pick<CopyMemory, 'offsets' | 'lengths'>;
  private length = 0;
  readonly done: Promise<BinaryRows>;
  private settle!: { resolve: (rows: BinaryRows) => void; reject: (error: Error) => void };

  constructor(
    private readonly text: string,
    { buffer, ...index }: CopyMemory,
  ) {
    this.data = buffer;
    this.index = index;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  submit(connection: Connection): void {
    (connection as unknown as { query(text: string): void }).query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    const { chunk } = message;
    if (this.length + chunk.length > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.length + chunk.length));
      this.data.copy(grown, 0, 0, this.length);
      this.data = grown;
    }
    this.length += chunk.copy(this.data, this.length);
  }

  /**
   * The driver hands a query its error (PostgreSQL's, or the connection's) and forgets it: the query never
   * hears the ReadyForQuery that follows, if any. So the error settles the COPY at once, and whoever holds the
   * client can give it back (the client goes on with its queue once PostgreSQL is ready).
   */
  handleError(error: Error): void {
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    try {
      this.settle.resolve(parseBinaryCopy(this.data, this.length, this.index));
    } catch (error) {
      this.settle.reject(error as Error);
    }
  }

  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
}

/**
 * Run `COPY (query) TO STDOUT (FORMAT binary)` on a client and collect its rows into `memory` (or larger,
 * when they do not fit: the rows' `memory` is what holds them). COPY takes no bind parameters: every value
 * in `query` must already be a literal (see `pg.escapeLiteral`).
 */
export function copyBinaryRows(client: ClientBase, query: string, memory = copyMemory()): Promise<BinaryRows> {
  const copy = new BinaryCopyQuery(`COPY (${query}) TO STDOUT (FORMAT binary)`, memory);
  client.query(copy);
  return copy.done;
}
