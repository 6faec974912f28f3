import type { Writable } from 'node:stream';
import { constants as zlib, zstdCompressSync } from 'node:zlib';
import { ByteWriter } from 'hyparquet-writer';
// Not hyparquet-writer's public API (its index exports neither; its `exports` map merely opens `src/*.js`):
// the package is pinned to an exact version, and test/parquet-file.int.spec.ts checks the bytes they write.
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { Bytes } from '../common/bytes.js';
import { written } from '../common/stream-write.js';
import { epochSeconds, type BinaryRows, type Wire } from '../database/binary-copy.js';

type FileMetaData = Parameters<typeof writeMetadata>[1];
export type SchemaElement = FileMetaData['schema'][number];
type RowGroup = FileMetaData['row_groups'][number];
type ColumnChunk = RowGroup['columns'][number];
type Statistics = NonNullable<NonNullable<ColumnChunk['meta_data']>['statistics']>;

/** The Parquet types a binary COPY field is written as. */
type Physical = 'BYTE_ARRAY' | 'INT64' | 'DOUBLE' | 'BOOLEAN';

/** The binary COPY field each Parquet type is written from: an `int4`, a time (as epoch seconds), text. */
const WIRES: Record<Physical, Wire> = { BYTE_ARRAY: 'text', INT64: 'int4', DOUBLE: 'timestamptz', BOOLEAN: 'bool' };

/** A column of the file: its schema element and how its field bytes arrive. */
export interface ParquetColumn {
  element: SchemaElement & { name: string; type: Physical };
  wire: Wire;
  /** Keep min/max statistics (short, repeated values: models, categories, times); null counts are always kept. */
  statistics: boolean;
}

/** Where pages and row groups are cut. */
export interface ParquetLimits {
  /** Uncompressed bytes of a column's values at which a data page is cut. */
  pageBytes: number;
  /** Uncompressed bytes (or rows) at which a row group is written out: its compressed pages are held until then. */
  rowGroupBytes: number;
  rowGroupRows: number;
}

const LIMITS: ParquetLimits = { pageBytes: 1 << 20, rowGroupBytes: 48 << 20, rowGroupRows: 100_000 };
const ZSTD = { params: { [zlib.ZSTD_c_compressionLevel]: 1 } };

/** Zeros and ones as Parquet bit-packs them: eight to a byte, the first in the lowest bit. */
function packBits(bits: Bytes, into: Buffer, at: number): number {
  const bytes = Math.ceil(bits.length / 8);
  into.fill(0, at, at + bytes);
  for (let i = 0; i < bits.length; i++) if (bits.buffer[i]) into[at + (i >> 3)]! |= 1 << (i & 7);
  return at + bytes;
}

function varint(value: number, into: Buffer, at: number): number {
  while (value > 0x7f) {
    into[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  into[at++] = value;
  return at;
}

/** Min and max of a row group's values, of one column, in Parquet's order for its type. */
class MinMax {
  /** Bytes for byte arrays, else a number (0 or 1 for a boolean). */
  private min: Buffer | number | undefined;
  private max: Buffer | number | undefined;

  bytes(field: Buffer, start: number, end: number): void {
    const min = this.min as Buffer | undefined;
    const max = this.max as Buffer | undefined;
    if (!min || min.compare(field, start, end) > 0) this.min = Buffer.from(field.subarray(start, end));
    if (!max || max.compare(field, start, end) < 0) this.max = Buffer.from(field.subarray(start, end));
  }

  value(value: number): void {
    if (this.min === undefined || value < (this.min as number)) this.min = value;
    if (this.max === undefined || value > (this.max as number)) this.max = value;
  }

  statistics(type: Physical, nulls: number): Statistics {
    const value = (v: Buffer | number | undefined): Statistics['min_value'] =>
      v === undefined
        ? undefined
        : typeof v !== 'number'
          ? new Uint8Array(v)
          : type === 'INT64'
            ? BigInt(v)
            : type === 'BOOLEAN'
              ? v === 1
              : v;
    const statistics: Statistics = { null_count: BigInt(nulls) };
    if (this.min !== undefined) {
      statistics.min_value = value(this.min);
      statistics.max_value = value(this.max);
    }
    this.min = this.max = undefined;
    return statistics;
  }
}

/**
 * One column's pages in the making: values PLAIN-encoded straight from the received field bytes (booleans
 * and definition levels as one byte each until the page is cut and they are bit-packed), and the row
 * group's column chunk so far (each page's header and compressed body).
 */
class ColumnWriter {
  private readonly values: Bytes;
  /** A definition level per value of the page, for a nullable column. */
  private readonly levels = new Bytes(1 << 12);
  /** A boolean column's values, one byte each. */
  private readonly bits = new Bytes(1 << 12);
  private pageValues = 0;
  private readonly minMax = new MinMax();
  /** The row group's pages, headers and compressed bodies, kept across row groups. */
  readonly chunk = new Bytes(1 << 16);
  private uncompressed = 0;
  private nulls = 0;
  private rows = 0;
  /** Uncompressed bytes of the row group's pages cut so far. */
  groupBytes = 0;

  constructor(
    readonly column: ParquetColumn,
    private readonly pageBytes: number,
    /** Where a page's body is put together to be compressed: one for all columns of the file. */
    private readonly body: Bytes,
  ) {
    this.values = new Bytes(Math.min(pageBytes, 1 << 20) + (1 << 12));
    const wire = WIRES[column.element.type];
    if (column.wire !== wire)
      throw new Error(`Parquet column ${column.element.name}: ${column.element.type} is written from ${wire} fields`);
  }

  private get nullable(): boolean {
    return this.column.element.repetition_type === 'OPTIONAL';
  }

  /** Uncompressed bytes waiting for the next page. */
  get pending(): number {
    return this.values.length + this.bits.length / 8;
  }

  /** Append column `column` of every row. */
  append(rows: BinaryRows, column: number): void {
    const { element, statistics } = this.column;
    const values = this.values;
    for (let r = 0; r < rows.count; r++) {
      // A page is cut once its values fill it, before the next: a column's buffer stays the size of a page.
      if (this.values.length >= this.pageBytes || this.bits.length >= this.pageBytes * 8) this.cut();
      this.pageValues++;
      this.rows++;
      const field = rows.at(r, column);
      if (!field) {
        if (!this.nullable) throw new Error(`Parquet column ${element.name} is required but a row has no value`);
        this.levels.push(0);
        this.nulls++;
        continue;
      }
      if (this.nullable) this.levels.push(1);
      const { start, end } = rows;
      switch (element.type) {
        case 'BYTE_ARRAY':
          values.room(4 + end - start);
          values.buffer.writeUInt32LE(end - start, values.length);
          values.length += 4 + field.copy(values.buffer, values.length + 4, start, end);
          if (statistics) this.minMax.bytes(field, start, end);
          break;
        case 'INT64': {
          const value = field.readInt32BE(start);
          values.room(8);
          values.buffer.writeInt32LE(value, values.length);
          values.length = values.buffer.writeInt32LE(value < 0 ? -1 : 0, values.length + 4);
          if (statistics) this.minMax.value(value);
          break;
        }
        case 'DOUBLE': {
          const value = epochSeconds(field, start);
          values.room(8);
          values.length = values.buffer.writeDoubleLE(value, values.length);
          if (statistics) this.minMax.value(value);
          break;
        }
        case 'BOOLEAN':
          this.bits.push(field[start] === 1 ? 1 : 0);
          if (statistics) this.minMax.value(field[start] === 1 ? 1 : 0);
          break;
      }
    }
  }

  /**
   * Close the page being filled (if any): its body, levels first, compressed (Zstandard, level 1, on the main
   * thread: compressing in libuv's pool was no faster here and its threads' allocator arenas kept tens of
   * megabytes) into the column chunk after its header.
   */
  cut(): void {
    if (this.pageValues === 0) return;
    const body = this.body;
    body.length = 0;
    body.room(4 + 5 + Math.ceil(this.levels.length / 8) + this.values.length + Math.ceil(this.bits.length / 8));
    if (this.nullable) {
      // Definition levels: one bit-packed run (bit width 1) after its byte length.
      body.length = varint((Math.ceil(this.levels.length / 8) << 1) | 1, body.buffer, 4);
      body.length = packBits(this.levels, body.buffer, body.length);
      body.buffer.writeUInt32LE(body.length - 4, 0);
    }
    body.length += this.values.buffer.copy(body.buffer, body.length, 0, this.values.length);
    body.length = packBits(this.bits, body.buffer, body.length);
    const compressed = zstdCompressSync(body.buffer.subarray(0, body.length), ZSTD);
    const header = new ByteWriter(64);
    writePageHeader(header, {
      type: 'DATA_PAGE',
      uncompressed_page_size: body.length,
      compressed_page_size: compressed.length,
      data_page_header: {
        num_values: this.pageValues,
        encoding: 'PLAIN',
        definition_level_encoding: 'RLE',
        repetition_level_encoding: 'RLE',
      },
    });
    const chunk = this.chunk;
    chunk.room(header.offset + compressed.length);
    chunk.buffer.set(header.getBytes(), chunk.length);
    chunk.length += header.offset + compressed.copy(chunk.buffer, chunk.length + header.offset);
    this.uncompressed += header.offset + body.length;
    this.groupBytes += body.length;
    this.values.length = this.levels.length = this.bits.length = this.pageValues = 0;
  }

  /** The row group's column chunk, written from `offset` on: its metadata; the chunk is emptied for the next. */
  take(offset: number): ColumnChunk {
    const { element, statistics } = this.column;
    const chunk: ColumnChunk = {
      file_offset: BigInt(offset),
      meta_data: {
        type: element.type,
        encodings: this.nullable ? ['PLAIN', 'RLE'] : ['PLAIN'],
        path_in_schema: [element.name],
        codec: 'ZSTD',
        num_values: BigInt(this.rows),
        total_uncompressed_size: BigInt(this.uncompressed),
        total_compressed_size: BigInt(this.chunk.length),
        data_page_offset: BigInt(offset),
        statistics: statistics ? this.minMax.statistics(element.type, this.nulls) : { null_count: BigInt(this.nulls) },
      },
    };
    this.chunk.length = this.nulls = this.rows = this.groupBytes = this.uncompressed = 0;
    return chunk;
  }
}

const MAGIC = Buffer.from('PAR1');

/**
 * A Parquet file written to a stream as pages of binary COPY rows arrive: each column's values are
 * encoded from the received bytes into data pages of about a megabyte, compressed with Zstandard and held
 * (compressed) until their row group is written. Memory is a page per column and a compressed row group,
 * whatever the file's size; the same buffers serve the whole file. Columns are flat (no repetition); pages are DATA_PAGE
 * (v1) in PLAIN encoding, the most widely read layout; the footer is written by hyparquet-writer.
 */
export class ParquetFile {
  private readonly columns: ColumnWriter[];
  private readonly groups: RowGroup[] = [];
  private offset = 0;
  private rows = 0;
  private groupRows = 0;

  private readonly limits: ParquetLimits;

  constructor(
    private readonly out: Writable,
    columns: ParquetColumn[],
    private readonly createdBy: string,
    limits: Partial<ParquetLimits> = {},
  ) {
    this.limits = { ...LIMITS, ...limits };
    const body = new Bytes(1 << 20);
    this.columns = columns.map((c) => new ColumnWriter(c, this.limits.pageBytes, body));
  }

  /** Hand bytes to the stream at the file's end: resolves once it has written them. */
  private emit(bytes: Uint8Array): Promise<void> {
    this.offset += bytes.length;
    return written(this.out, bytes);
  }

  async start(): Promise<void> {
    await this.emit(MAGIC);
  }

  /**
   * Append rows whose fields `offset`, `offset + 1`, … are the columns, a column at a time with `between`
   * awaited after each (a turn of the event loop lets pages read ahead keep arriving). The rows' bytes are
   * copied: their buffer may be reused once this resolves.
   */
  async append(rows: BinaryRows, offset: number, between: () => Promise<void>): Promise<void> {
    for (let i = 0; i < this.columns.length; i++) {
      this.columns[i]!.append(rows, offset + i);
      await between();
    }
    this.rows += rows.count;
    this.groupRows += rows.count;
    const bytes = this.columns.reduce((sum, c) => sum + c.pending + c.groupBytes, 0);
    if (this.groupRows >= this.limits.rowGroupRows || bytes >= this.limits.rowGroupBytes) await this.writeGroup();
  }

  /**
   * Cut every column's last page and write the row group, each column's chunk in turn; resolves once the
   * stream has written them all (the chunks' buffers are filled again by the next row group).
   */
  private async writeGroup(): Promise<void> {
    if (this.groupRows === 0) return;
    const start = this.offset;
    const chunks: ColumnChunk[] = [];
    const written: Promise<void>[] = [];
    let uncompressed = 0n;
    for (const column of this.columns) {
      column.cut();
      const offset = this.offset;
      const bytes = column.chunk.bytes;
      const chunk = column.take(offset);
      written.push(this.emit(bytes));
      uncompressed += chunk.meta_data!.total_uncompressed_size;
      chunks.push(chunk);
    }
    this.groups.push({
      columns: chunks,
      total_byte_size: uncompressed,
      num_rows: BigInt(this.groupRows),
      file_offset: BigInt(start),
      total_compressed_size: BigInt(this.offset - start),
    });
    this.groupRows = 0;
    await Promise.all(written);
  }

  /** Write the last row group and the footer. */
  async finish(): Promise<void> {
    await this.writeGroup();
    const footer = new ByteWriter(1 << 16);
    writeMetadata(footer, {
      version: 2,
      schema: [{ name: 'root', num_children: this.columns.length }, ...this.columns.map((c) => c.column.element)],
      num_rows: BigInt(this.rows),
      row_groups: this.groups,
      created_by: this.createdBy,
      metadata_length: 0,
    });
    footer.appendBytes(MAGIC);
    await this.emit(Buffer.from(footer.getBytes()));
  }
}
