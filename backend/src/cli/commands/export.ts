import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DatasetFormat, DatasetName, DatasetQuery, parseInput } from '@arena/contracts';
import type { ArenaConfig } from '../../config/config.js';
import { DatasetsService } from '../../datasets/datasets.service.js';
import { withDatabase } from '../database.js';
import { UsageError } from '../usage.js';

/**
 * `arena export`: one data set (battles, bigcodereward, judgements) as JSONL, CSV or Parquet, filtered, to
 * stdout or to `--out FILE` with its data-set card (README.md) beside it.
 */
export async function exportDataset(args: string[], config: ArenaConfig): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      category: { type: 'string' },
      environment: { type: 'string' },
    },
    strict: true,
  });
  const name = parseInput(DatasetName, values.dataset, '--dataset');
  const format = parseInput(DatasetFormat, values.format, '--format');
  const query = parseInput(
    DatasetQuery,
    Object.fromEntries(
      Object.entries({
        since: values.since,
        until: values.until,
        category: values.category,
        environment: values.environment,
      }).filter(([, v]) => v !== undefined),
    ),
    'filters',
  );
  await withDatabase(config, async (dataSource) => {
    const datasets = new DatasetsService(config, dataSource);
    if (!values.out) {
      await datasets.export(name, format, query, process.stdout);
      return;
    }
    const out = createWriteStream(values.out);
    const opened = new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', (error) =>
        reject(new UsageError(`cannot write ${values.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)),
      );
    });
    await opened;
    const rows = await datasets.export(name, format, query, out);
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const card = path.join(path.dirname(values.out), 'README.md');
    await writeFile(card, await datasets.card(name, query, rows));
    process.stderr.write(`wrote ${rows} rows to ${values.out} and the data-set card to ${card}\n`);
  });
}
