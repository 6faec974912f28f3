import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

/** Independent readers of exported data sets: pandas (Debian's python3-pandas) and DuckDB. */
const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';

export function readWithPandas(
  format: 'jsonl' | 'csv',
  file: string,
): { columns: string[]; rows: Record<string, unknown>[] } {
  const run = spawnSync(PYTHON, [path.join(here, 'read_with_pandas.py'), format, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0)
    throw new Error(`pandas could not read ${file} (Debian's python3-pandas is needed): ${run.stderr}`);
  return JSON.parse(run.stdout) as { columns: string[]; rows: Record<string, unknown>[] };
}

export async function readWithDuckDb(file: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`);
  const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
  connection.closeSync();
  instance.closeSync();
  return rows;
}
