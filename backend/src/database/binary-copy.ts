import type { Readable } from 'node:stream';
import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
export const PG_EPOCH_US = 946_684_800_000_000n;
const NULL = -1;

/**
 * The rows of one binary COPY, kept as the bytes PostgreSQL sent and, per field, where its value starts and
 * how long it is: no object per field or per row, so reading a page costs little more than receiving it.
 * A field can be replaced by other bytes (`set`); `NULL` fields have no bytes.
 */
export class BinaryRows {
  private readonly patches: Buffer[] = [];

  constructor(
    readonly data: Buffer,
    /** Per field (row-major): its offset in `data`, `-1` for NULL, or `-2 - i` for `patches[i]`. */
    private readonly offsets: Int32Array,
    private readonly lengths: Int32Array,
    readonly columns: number,
    readonly count: number,
  ) {}

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

  /** A field's bytes as a view (for readers that want one). */
  view(row: number, column: number): Buffer | null {
    return this.at(row, column)?.subarray(this.start, this.end) ?? null;
  }

  text(row: number, column: number): string | null {
    return this.at(row, column)?.toString('utf8', this.start, this.end) ?? null;
  }

  int4(row: number, column: number): number | null {
    return this.at(row, column)?.readInt32BE(this.start) ?? null;
  }

  bool(row: number, column: number): boolean | null {
    const buffer = this.at(row, column);
    return buffer && buffer[this.start] === 1;
  }

  /** A `timestamptz` as microseconds since the Unix epoch. */
  micros(row: number, column: number): bigint | null {
    const buffer = this.at(row, column);
    return buffer && buffer.readBigInt64BE(this.start) + PG_EPOCH_US;
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

/** Parse a whole binary COPY (header, rows of a 16-bit field count then 32-bit length and bytes per field, trailer). */
export function parseBinaryCopy(data: Buffer): BinaryRows {
  if (data.length < 21 || !data.subarray(0, 11).equals(SIGNATURE)) throw new Error('binary COPY: bad signature');
  let at = 19 + data.readUInt32BE(15);
  let columns = -1;
  let count = 0;
  let offsets = new Int32Array(1024);
  let lengths = new Int32Array(1024);
  let k = 0;
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    if (columns === -1) columns = fields;
    else if (fields !== columns) throw new Error('binary COPY: rows of different widths');
    if (k + fields > offsets.length) {
      const size = Math.max(offsets.length * 2, k + fields);
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
  return new BinaryRows(data, offsets, lengths, Math.max(columns, 0), count);
}

/**
 * Run `COPY (query) TO STDOUT (FORMAT binary)` on a client and collect its rows. COPY takes no bind
 * parameters: every value in `query` must already be a literal (see `pg.escapeLiteral`).
 */
export async function copyBinaryRows(client: ClientBase, query: string): Promise<BinaryRows> {
  const stream: Readable = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return parseBinaryCopy(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
}
