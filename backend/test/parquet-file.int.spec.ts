import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBinaryRows, type BinaryRows } from '../src/database/binary-copy.js';
import { ParquetFile, type ParquetColumn, type ParquetLimits } from '../src/datasets/parquet-file.js';
import { POSTGRES_ADMIN_URL } from './support/test-arena.js';

const ROWS = 12_000;
const BATCH = 2_500;

/** What the pinned hyparquet-writer wrote (see the tests at the end). */
const GOLDEN_PAGE_HEADER = '150015a41315ee082c15b2011500150615060000';
const GOLDEN_FOOTER = [
  '1504196c4804726f6f74150a00150c2502180474657874250000150c250018046a736f6e6ccc0000001504250218016e',
  '00150a25001802617400150025001804666c6167001606191c195c26081c150c1925000619180474657874150c160616',
  '50163c26083c360228057a6562726118106120726174686572206c6f6e672066692200000026441c150c192500061918',
  '046a736f6e150c16061650163c26443c36000000002680011c1504192500061918016e150c16061650163c2680013c36',
  '02280807000000000000001808fbffffffffffffff00000026bc011c150a192500061918026174150c16061650163c26',
  'bc013c36002808000090406e55da411808000020406e55da4100000026f8011c150019250006191804666c6167150c16',
  '061650163c26f8013c36002801011801000000001690031606260816ac02002806676f6c64656e195c1c00001c00001c',
  '00001c00001c00000059010000',
].join('');
const GOLDEN_FILE = { size: 692, sha256: '9a329dcc80e26785bd5c75b74f5b8544eccf06b1fe561255e2e5c89af1d6c325' };

/** Rows of every kind the data sets have: text (some null, some multi-byte), booleans, integers, times. */
const select = (from: number, to: number): string =>
  `SELECT g::text AS id,
          CASE WHEN g % 3 = 0 THEN NULL ELSE repeat(chr(97 + g % 26), g % 300) || ' é ✓ ' || g END AS note,
          g % 7 = 0 AS flag,
          CASE WHEN g % 5 = 0 THEN NULL ELSE (g % 1000 - 500)::int4 END AS n,
          timestamptz '2026-01-01 00:00:00+00' + g * interval '1.001 s' AS at,
          'model-' || (g % 4) AS model
     FROM generate_series(${from}, ${to}) g ORDER BY g`;

const COLUMNS: ParquetColumn[] = [
  {
    element: { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    wire: 'text',
    statistics: false,
  },
  {
    element: { name: 'note', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    wire: 'text',
    statistics: true,
  },
  { element: { name: 'flag', type: 'BOOLEAN', repetition_type: 'REQUIRED' }, wire: 'bool', statistics: true },
  { element: { name: 'n', type: 'INT64', repetition_type: 'OPTIONAL' }, wire: 'int4', statistics: true },
  { element: { name: 'at', type: 'DOUBLE', repetition_type: 'REQUIRED' }, wire: 'timestamptz', statistics: true },
  {
    element: { name: 'model', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    wire: 'text',
    statistics: true,
  },
];

interface Expected {
  id: string;
  note: string | null;
  flag: boolean;
  n: number | null;
  at: Date;
  model: string;
}

async function duckdb<T>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('ParquetFile: pages of binary COPY rows written as Parquet that DuckDB reads back', () => {
  let client: pg.Client;
  let dir: string;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    dir = await mkdtemp(path.join(tmpdir(), 'arena-parquet-'));
  });

  afterAll(async () => {
    await client?.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The rows from `from` to `to` written in batches (one binary COPY each) with `columns` and `limits`. */
  async function writeFile(
    name: string,
    to: number,
    columns = COLUMNS,
    limits: Partial<ParquetLimits> = {},
  ): Promise<string> {
    const file = path.join(dir, name);
    const out = createWriteStream(file);
    try {
      const parquet = new ParquetFile(out, columns, 'test', limits);
      await parquet.start();
      let rows: BinaryRows | undefined;
      for (let from = 1; from <= to; from += BATCH) {
        rows = await copyBinaryRows(client, select(from, Math.min(to, from + BATCH - 1)), rows?.memory);
        await parquet.append(rows, 0, () => new Promise((resolve) => setImmediate(resolve)));
      }
      await parquet.finish();
    } finally {
      out.end();
      await finished(out);
    }
    return file;
  }

  it('every value, null and multi-byte text matches PostgreSQL, across pages and row groups', async () => {
    const file = await writeFile('rows.parquet', ROWS, COLUMNS, { pageBytes: 64 << 10, rowGroupRows: 5_000 });
    const expected = (await client.query<Expected>(select(1, ROWS))).rows;
    const read = await duckdb<Record<string, unknown>>(`SELECT * FROM read_parquet('${file}')`);
    expect(read).toHaveLength(ROWS);
    read.forEach((row, i) => {
      const want = expected[i]!;
      expect({ ...row, n: row['n'] === null ? null : Number(row['n']) }).toEqual({
        id: want.id,
        note: want.note,
        flag: want.flag,
        n: want.n,
        at: want.at.getTime() / 1000,
        model: want.model,
      });
    });

    // Three row groups (5,000, 5,000 and 2,000 rows), each column Zstandard-compressed, with the statistics
    // of its own rows.
    const meta = await duckdb<{
      row_group_id: bigint;
      row_group_num_rows: bigint;
      path_in_schema: string;
      compression: string;
      stats_min_value: string | null;
      stats_max_value: string | null;
      stats_null_count: bigint | null;
    }>(`SELECT * FROM parquet_metadata('${file}') ORDER BY row_group_id, column_id`);
    const groups = [...new Set(meta.map((m) => Number(m.row_group_id)))];
    expect(groups).toEqual([0, 1, 2]);
    for (const group of groups) {
      const columns = meta.filter((m) => Number(m.row_group_id) === group);
      const rows = expected.slice(group * 5_000, (group + 1) * 5_000);
      expect(columns.map((c) => c.path_in_schema)).toEqual(COLUMNS.map((c) => c.element.name));
      expect(Number(columns[0]!.row_group_num_rows)).toBe(rows.length);
      for (const c of columns) expect(c.compression).toBe('ZSTD');
      const stats = (name: string) => columns.find((c) => c.path_in_schema === name)!;
      const ns = rows.flatMap((r) => (r.n === null ? [] : [r.n]));
      expect(stats('n')).toMatchObject({
        stats_min_value: String(Math.min(...ns)),
        stats_max_value: String(Math.max(...ns)),
      });
      expect(Number(stats('n').stats_null_count)).toBe(rows.length - ns.length);
      expect(Number(stats('note').stats_null_count)).toBe(rows.filter((r) => r.note === null).length);
      expect(stats('model')).toMatchObject({ stats_min_value: 'model-0', stats_max_value: 'model-3' });
      expect(stats('id').stats_min_value).toBeNull();
    }
  });

  it('a row group is also cut by its size, and an empty file has the schema and no rows', async () => {
    const bySize = await writeFile('by-size.parquet', ROWS, COLUMNS, { pageBytes: 16 << 10, rowGroupBytes: 256 << 10 });
    const [{ groups, rows }] = (await duckdb<{ groups: bigint; rows: bigint }>(
      `SELECT count(DISTINCT row_group_id) AS groups, sum(row_group_num_rows) / ${COLUMNS.length} AS rows
         FROM parquet_metadata('${bySize}')`,
    )) as [{ groups: bigint; rows: bigint }];
    expect(Number(groups)).toBeGreaterThan(2);
    expect(Number(rows)).toBe(ROWS);
    const [sum] = await duckdb<{ ids: number }>(`SELECT sum(id::int) AS ids FROM read_parquet('${bySize}')`);
    expect(Number(sum!.ids)).toBe((ROWS * (ROWS + 1)) / 2);

    const empty = await writeFile('empty.parquet', 0);
    expect(await duckdb(`SELECT * FROM read_parquet('${empty}')`)).toEqual([]);
    const schema = await duckdb<{ name: string }>(`SELECT name FROM parquet_schema('${empty}') WHERE name <> 'root'`);
    expect(schema.map((s) => s.name)).toEqual(COLUMNS.map((c) => c.element.name));
  });

  it('refuses a null in a required column and a column read from the wrong kind of field', async () => {
    const required = COLUMNS.map((c) =>
      c.element.name === 'note' ? { ...c, element: { ...c.element, repetition_type: 'REQUIRED' as const } } : c,
    );
    await expect(writeFile('required.parquet', 10, required)).rejects.toThrow(
      'Parquet column note is required but a row has no value',
    );
    const wrong = COLUMNS.map((c) => (c.element.name === 'n' ? { ...c, wire: 'text' as const } : c));
    await expect(writeFile('wrong.parquet', 10, wrong)).rejects.toThrow('Parquet column n: INT64 is written from int4');
  });

  // `ParquetFile` writes its page headers and footer with `writePageHeader` and `writeMetadata`, which
  // hyparquet-writer reaches only through its `src/*.js` subpaths: not its documented API (`index.js` does not
  // export them), free to change in any release. The package is pinned to one version, and these tests fail
  // loudly if what that version wrote changes: update the pin only after checking the new bytes (and the
  // DuckDB read-back above) and then these golden values.
  it('hyparquet-writer is pinned to the installed version, whose page header and footer bytes are unchanged', async () => {
    const backend = JSON.parse(await readFile(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const entry = createRequire(import.meta.url).resolve('hyparquet-writer');
    const installed = JSON.parse(await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(backend.dependencies['hyparquet-writer'], 'an exact version, no range').toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed.version).toBe(backend.dependencies['hyparquet-writer']);

    const header = new ByteWriter(64);
    writePageHeader(header, {
      type: 'DATA_PAGE',
      uncompressed_page_size: 1234,
      compressed_page_size: 567,
      data_page_header: {
        num_values: 89,
        encoding: 'PLAIN',
        definition_level_encoding: 'RLE',
        repetition_level_encoding: 'RLE',
      },
    });
    expect(Buffer.from(header.getBytes()).toString('hex')).toBe(GOLDEN_PAGE_HEADER);

    // One column of each kind ParquetFile writes, with the statistics it keeps (a long text's min/max is
    // truncated by writeMetadata), as ParquetFile.finish passes them.
    const chunk = (
      name: string,
      type: 'BYTE_ARRAY' | 'INT64' | 'DOUBLE' | 'BOOLEAN',
      offset: number,
      statistics: {
        null_count: bigint;
        min_value?: Uint8Array | bigint | number | boolean;
        max_value?: Uint8Array | bigint | number | boolean;
      },
    ) => ({
      file_offset: BigInt(offset),
      meta_data: {
        type,
        encodings: ['PLAIN' as const, 'RLE' as const],
        path_in_schema: [name],
        codec: 'ZSTD' as const,
        num_values: 3n,
        total_uncompressed_size: 40n,
        total_compressed_size: 30n,
        data_page_offset: BigInt(offset),
        statistics,
      },
    });
    const footer = new ByteWriter(1 << 12);
    writeMetadata(footer, {
      version: 2,
      schema: [
        { name: 'root', num_children: 5 },
        { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'json', type: 'BYTE_ARRAY', logical_type: { type: 'JSON' }, repetition_type: 'REQUIRED' },
        { name: 'n', type: 'INT64', repetition_type: 'OPTIONAL' },
        { name: 'at', type: 'DOUBLE', repetition_type: 'REQUIRED' },
        { name: 'flag', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
      ],
      num_rows: 3n,
      row_groups: [
        {
          columns: [
            chunk('text', 'BYTE_ARRAY', 4, {
              null_count: 1n,
              min_value: new TextEncoder().encode('a rather long first value, past sixteen bytes'),
              max_value: new TextEncoder().encode('zebra'),
            }),
            chunk('json', 'BYTE_ARRAY', 34, { null_count: 0n }),
            chunk('n', 'INT64', 64, { null_count: 1n, min_value: -5n, max_value: 7n }),
            chunk('at', 'DOUBLE', 94, { null_count: 0n, min_value: 1767225600.5, max_value: 1767225602.25 }),
            chunk('flag', 'BOOLEAN', 124, { null_count: 0n, min_value: false, max_value: true }),
          ],
          total_byte_size: 200n,
          num_rows: 3n,
          file_offset: 4n,
          total_compressed_size: 150n,
        },
      ],
      created_by: 'golden',
      metadata_length: 0,
    });
    expect(Buffer.from(footer.getBytes()).toString('hex')).toBe(GOLDEN_FOOTER);
  });

  it('a tiny file is byte for byte the one the pinned hyparquet-writer wrote, and DuckDB reads it back', async () => {
    // Three rows of every kind of column, in one page each: the whole file, page headers, Zstandard bodies
    // (Node's zstd: a Node upgrade that compresses differently changes this hash too, while the bytes of the
    // test above stay the same) and the footer.
    const file = await writeFile('golden.parquet', 3);
    const bytes = await readFile(file);
    expect({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual(GOLDEN_FILE);
    const expected = (await client.query<Expected>(select(1, 3))).rows;
    const read = await duckdb<Record<string, unknown>>(`SELECT * FROM read_parquet('${file}')`);
    expect(read.map((row) => ({ ...row, n: row['n'] === null ? null : Number(row['n']) }))).toEqual(
      expected.map((want) => ({ ...want, at: want.at.getTime() / 1000 })),
    );
  });
});
