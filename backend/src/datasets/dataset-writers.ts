import type { Writable } from 'node:stream';
import { write } from '../common/stream-write.js';
import { DATASET_COLUMNS, type ColumnType, type DatasetFormat, type DatasetName } from '@arena/contracts';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { RawJson, type DatasetRow } from './dataset-rows.js';

/** A value as JSON text: serialised JSON is taken as it is. */
function jsonText(value: unknown): string {
  return value instanceof RawJson ? value.text : JSON.stringify(value);
}

function cell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' && type !== 'json' ? value : jsonText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One JSONL line, keys in column order; JSON columns already serialised are spliced in, not re-encoded. */
function jsonLine(row: DatasetRow, keys: { name: string; prefix: string }[]): string {
  let line = '';
  for (const { name, prefix } of keys) {
    const value = row[name];
    line += prefix + (value === null || value === undefined ? 'null' : jsonText(value));
  }
  return `${line}}\n`;
}

type ParquetSchema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];

function parquetSchema(name: DatasetName): ParquetSchema {
  const columns = DATASET_COLUMNS[name];
  const element = (c: (typeof columns)[number]): ParquetSchema[number] => {
    const repetition_type = c.nullable ? ('OPTIONAL' as const) : ('REQUIRED' as const);
    switch (c.type) {
      case 'string':
        return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
      case 'json':
        // Written as bytes of JSON text (already serialised), annotated with the JSON logical type.
        return { name: c.name, type: 'BYTE_ARRAY', logical_type: { type: 'JSON' }, repetition_type };
      case 'integer':
        return { name: c.name, type: 'INT64', repetition_type };
      case 'number':
        return { name: c.name, type: 'DOUBLE', repetition_type };
      case 'boolean':
        return { name: c.name, type: 'BOOLEAN', repetition_type };
    }
  };
  return [{ name: 'root', num_children: columns.length }, ...columns.map(element)];
}

/** A hyparquet writer that hands finished bytes to a Node stream instead of keeping the file in memory. */
function streamWriter(out: Writable): ByteWriter & { drain(): Promise<void>; flush?: () => Promise<void> } {
  const writer = new ByteWriter() as ByteWriter & { drain(): Promise<void>; flush?: () => Promise<void> };
  let pending: Promise<void> = Promise.resolve();
  const push = (): void => {
    if (writer.index === 0) return;
    const chunk = new Uint8Array(writer.buffer, 0, writer.index).slice();
    writer.index = 0;
    pending = pending.then(() => write(out, chunk));
  };
  const ensure = writer.ensure.bind(writer);
  writer.ensure = (size: number): void => {
    if (writer.index > 1 << 20) push();
    ensure(size);
  };
  writer.flush = (): Promise<void> => {
    push();
    return pending;
  };
  writer.finish = (): void => push();
  writer.drain = (): Promise<void> => pending;
  return writer;
}

const PARQUET_ROW_GROUP = 10_000;
/**
 * Columns of long text (programs, outputs, conversations): min/max statistics of them help no reader's
 * filter and cost a comparison of every value, so they are written without.
 */
const LONG_TEXT = new Set([
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

/** Stream pages of rows into `out` as JSONL, CSV (header first, nested values as JSON) or Parquet. */
export async function writeDataset(
  name: DatasetName,
  format: DatasetFormat,
  pages: AsyncIterable<DatasetRow[]>,
  out: Writable,
): Promise<number> {
  const columns = DATASET_COLUMNS[name];
  let count = 0;
  if (format === 'jsonl') {
    const keys = columns.map((c, i) => ({ name: c.name, prefix: `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:` }));
    for await (const page of pages) {
      let text = '';
      for (const row of page) text += jsonLine(row, keys);
      await write(out, text);
      count += page.length;
    }
    return count;
  }
  if (format === 'csv') {
    await write(out, `${columns.map((c) => c.name).join(',')}\n`);
    for await (const page of pages) {
      const text = page.map((row) => columns.map((c) => cell(row[c.name], c.type)).join(',') + '\n').join('');
      await write(out, text);
      count += page.length;
    }
    return count;
  }
  const writer = streamWriter(out);
  const parquet = new ParquetWriter({ writer, schema: parquetSchema(name), createdBy: 'the arena' });
  let buffer: DatasetRow[] = [];
  const encoder = new TextEncoder();
  const flushRows = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const rows = buffer;
    buffer = [];
    const columnData = columns.map((c) => ({
      name: c.name,
      statistics: c.type !== 'json' && !LONG_TEXT.has(c.name),
      data: rows.map((row) => {
        const value = row[c.name];
        if (value === null || value === undefined) return null;
        if (c.type === 'integer') return BigInt(value as number);
        if (c.type === 'json') return encoder.encode(jsonText(value));
        return value;
      }),
    }));
    await parquet.write({ columnData, rowGroupSize: rows.length });
    await writer.drain();
  };
  for await (const page of pages) {
    buffer.push(...page);
    count += page.length;
    if (buffer.length >= PARQUET_ROW_GROUP) await flushRows();
  }
  await flushRows();
  await parquet.finish();
  await writer.drain();
  return count;
}

export const CONTENT_TYPES: Record<DatasetFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};
