import type { Writable } from 'node:stream';
import { DATASET_COLUMNS, type DatasetFormat, type DatasetName } from '@arena/contracts';
import { Bytes } from '../common/bytes.js';
import { written } from '../common/stream-write.js';
import { endGzip, gzipInto } from './gzip-sink.js';
import { epochSeconds, type BinaryRows, type Wire } from '../database/binary-copy.js';
import { ParquetFile, type ParquetColumn } from './parquet-file.js';
import { datasetWires } from './dataset-columns.js';
import type { DatasetPage } from './dataset-pages.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Bytes gathered for one write (a page's text, built in place instead of as strings joined) in one of two
 * buffers used in turn: one is filled while the other's bytes go out, and a buffer is filled again only
 * once the stream has written it — the same memory serves the whole export.
 */
class ByteSink {
  private current: Bytes;
  /** The other buffer, and when the stream has done with it. */
  private other: { bytes: Bytes; written: Promise<void> };

  constructor(size: number) {
    this.current = new Bytes(size);
    this.other = { bytes: new Bytes(size), written: Promise.resolve() };
  }

  bytes(bytes: Buffer, from = 0, to = bytes.length): void {
    this.current.append(bytes, from, to);
  }

  byte(value: number): void {
    this.current.push(value);
  }

  text(value: string): void {
    this.current.text(value);
  }

  /** Hand the bytes so far to the stream and go on in the other buffer, once the stream has written it. */
  async flush(out: Writable): Promise<void> {
    const full = this.current;
    const done = written(out, full.bytes);
    done.catch(() => undefined);
    const { bytes, written: free } = this.other;
    this.other = { bytes: full, written: done };
    await free;
    bytes.length = 0;
    this.current = bytes;
  }

  get length(): number {
    return this.current.length;
  }

  /** Hand over what is left and resolve once every byte has been written. */
  async finish(out: Writable): Promise<void> {
    await this.flush(out);
    await this.other.written;
  }
}

/** The field `rows.at` last found, as a value of its wire type: epoch seconds (to the millisecond) for a time. */
function scalar(rows: BinaryRows, buffer: Buffer, wire: Wire): string | number | boolean {
  switch (wire) {
    case 'int4':
      return buffer.readInt32BE(rows.start);
    case 'bool':
      return buffer[rows.start] === 1;
    case 'timestamptz':
      return epochSeconds(buffer, rows.start);
    case 'text':
      return buffer.toString('utf8', rows.start, rows.end);
  }
}

/** UTF-8 text as a JSON string: its own bytes in quotes when nothing needs escaping (the usual case). */
function jsonString(sink: ByteSink, field: Buffer, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const c = field[i]!;
    if (c < 0x20 || c === QUOTE || c === BACKSLASH) {
      sink.text(JSON.stringify(field.toString('utf8', start, end)));
      return;
    }
  }
  sink.byte(QUOTE);
  sink.bytes(field, start, end);
  sink.byte(QUOTE);
}

/** A CSV field: quoted, with quotes doubled, when it holds a quote, a comma or a line break. */
function csvField(sink: ByteSink, field: Buffer, start: number, end: number): void {
  let quoted = false;
  for (let i = start; i < end; i++) {
    const c = field[i]!;
    if (c === QUOTE || c === COMMA || c === LF || c === CR) {
      quoted = true;
      break;
    }
  }
  if (!quoted) return sink.bytes(field, start, end);
  sink.byte(QUOTE);
  let from = start;
  for (let q = field.indexOf(QUOTE, start); q !== -1 && q < end; q = field.indexOf(QUOTE, q + 1)) {
    sink.bytes(field, from, q + 1);
    sink.byte(QUOTE);
    from = q + 1;
  }
  sink.bytes(field, from, end);
  sink.byte(QUOTE);
}

/**
 * Rows formatted between two turns of the event loop: the next page's COPY keeps arriving (and PostgreSQL
 * keeps producing it) while a page is written, instead of stalling on a full socket until the page is done.
 */
const ROWS_PER_TURN = 256;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Bytes handed to the stream at a time: two buffers of this size serve a whole export. */
const WRITE_BYTES = 1 << 20;

interface WriterColumn {
  column: (typeof DATASET_COLUMNS)[DatasetName][number];
  wire: Wire;
}

function writerColumns(name: DatasetName): WriterColumn[] {
  const wires = datasetWires(name);
  return DATASET_COLUMNS[name].map((column, i) => ({ column, wire: wires[i]! }));
}

/**
 * A text format: `head` first, then each row as `line` writes it into the sink, the bytes handed to the
 * stream a megabyte at a time (and the next megabyte gathered only once the stream has written the last),
 * with a turn of the event loop every `ROWS_PER_TURN` rows.
 */
async function writeLines(
  pages: AsyncIterable<DatasetPage>,
  out: Writable,
  head: string,
  line: (sink: ByteSink, rows: BinaryRows, offset: number, row: number) => void,
): Promise<number> {
  const sink = new ByteSink(WRITE_BYTES + (1 << 16));
  sink.text(head);
  let count = 0;
  for await (const { rows, offset, release } of pages) {
    for (let r = 0; r < rows.count; r++) {
      // Rows counted across pages: a data set's pages may be shorter than ROWS_PER_TURN (bigcodereward's are
      // 200 rows, for its pictures), and counting within a page never flushed them: the whole export was
      // held in memory until its end. The size is checked at every row (a row with pictures is ~120 kB).
      if (sink.length >= WRITE_BYTES) await sink.flush(out);
      if ((count + r) % ROWS_PER_TURN === ROWS_PER_TURN - 1) await nextTurn();
      line(sink, rows, offset, r);
    }
    release();
    count += rows.count;
  }
  await sink.finish(out);
  return count;
}

/** JSONL: one object per row, keys in column order; JSON columns (serialised once, when built) spliced in. */
function writeJsonl(name: DatasetName, pages: AsyncIterable<DatasetPage>, out: Writable): Promise<number> {
  const columns = writerColumns(name).map((c, i) => ({
    ...c,
    json: c.column.type === 'json',
    prefix: Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(c.column.name)}:`),
  }));
  const NULL = Buffer.from('null');
  const END = Buffer.from('}\n');
  return writeLines(pages, out, '', (sink, rows, offset, r) => {
    for (let i = 0; i < columns.length; i++) {
      const { prefix, wire, json } = columns[i]!;
      sink.bytes(prefix);
      const field = rows.at(r, offset + i);
      if (!field) sink.bytes(NULL);
      else if (json) sink.bytes(field, rows.start, rows.end);
      else if (wire === 'text') jsonString(sink, field, rows.start, rows.end);
      else sink.text(String(scalar(rows, field, wire)));
    }
    sink.bytes(END);
  });
}

/** CSV: a header, then a line per row; nested values as their JSON text; NULL as an empty field. */
function writeCsv(name: DatasetName, pages: AsyncIterable<DatasetPage>, out: Writable): Promise<number> {
  const columns = writerColumns(name);
  return writeLines(pages, out, `${columns.map((c) => c.column.name).join(',')}\n`, (sink, rows, offset, r) => {
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) sink.byte(COMMA);
      const field = rows.at(r, offset + i);
      if (!field) continue;
      const { wire } = columns[i]!;
      if (wire === 'text') csvField(sink, field, rows.start, rows.end);
      else sink.text(String(scalar(rows, field, wire)));
    }
    sink.byte(LF);
  });
}

/** A data set's Parquet columns: JSON columns as UTF-8 bytes with the JSON logical type, times as epoch seconds. */
function parquetColumns(name: DatasetName): ParquetColumn[] {
  return writerColumns(name).map(({ column: c, wire }) => {
    const repetition_type = c.nullable ? ('OPTIONAL' as const) : ('REQUIRED' as const);
    const element = ((): ParquetColumn['element'] => {
      switch (c.type) {
        case 'string':
          return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
        case 'json':
          return { name: c.name, type: 'BYTE_ARRAY', logical_type: { type: 'JSON' }, repetition_type };
        case 'integer':
          return { name: c.name, type: 'INT64', repetition_type };
        case 'number':
          return { name: c.name, type: 'DOUBLE', repetition_type };
        case 'boolean':
          return { name: c.name, type: 'BOOLEAN', repetition_type };
      }
    })();
    return { element, wire, statistics: c.type !== 'json' && !PLAIN_TEXT.has(c.name) };
  });
}

/**
 * Columns of long or unique text (programs, outputs, conversations, ids, voter hashes): min/max statistics
 * of them help no reader's filter, so they are written without.
 */
const PLAIN_TEXT = new Set([
  'question_id',
  'judge',
  'chat_session_id',
  'battle_id',
  'code_a',
  'code_b',
  'instruction',
  'execution_output_A',
  'execution_output_B',
  'execution_error_A',
  'execution_error_B',
  'reasoning',
  'raw_output',
]);

/** Parquet: each page of rows encoded into the file's column pages as it arrives (see `ParquetFile`). */
async function writeParquet(name: DatasetName, pages: AsyncIterable<DatasetPage>, out: Writable): Promise<number> {
  const file = new ParquetFile(out, parquetColumns(name), 'the arena');
  await file.start();
  let count = 0;
  for await (const { rows, offset, release } of pages) {
    await file.append(rows, offset, nextTurn);
    release();
    count += rows.count;
  }
  await file.finish();
  return count;
}

/** Stream pages of rows into `out` as JSONL, CSV (header first, nested values as JSON) or Parquet. */
export async function writeDataset(
  name: DatasetName,
  format: DatasetFormat,
  pages: AsyncIterable<DatasetPage>,
  out: Writable,
  /** As one gzip stream (JSONL and CSV; Parquet compresses its own pages), compressed on the calling thread. */
  gzip = false,
): Promise<number> {
  if (!gzip) return writeFormat(name, format, pages, out);
  if (format === 'parquet') throw new Error('a Parquet file is not gzipped: its pages are compressed');
  const sink = gzipInto(out);
  try {
    const rows = await writeFormat(name, format, pages, sink);
    await endGzip(sink);
    return rows;
  } finally {
    // Nothing of a failed export reaches `out` after this.
    sink.destroy();
  }
}

function writeFormat(
  name: DatasetName,
  format: DatasetFormat,
  pages: AsyncIterable<DatasetPage>,
  out: Writable,
): Promise<number> {
  switch (format) {
    case 'jsonl':
      return writeJsonl(name, pages, out);
    case 'csv':
      return writeCsv(name, pages, out);
    case 'parquet':
      return writeParquet(name, pages, out);
  }
}

export const CONTENT_TYPES: Record<DatasetFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};
