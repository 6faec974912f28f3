import type { Writable } from 'node:stream';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  DATASET_COLUMNS,
  DATASET_NAMES,
  DATASET_SCHEMA_VERSION,
  type DatasetFormat,
  type DatasetName,
  type DatasetQuery,
  type DatasetSummary,
} from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { afterFirstPage, datasetCounts, datasetPages } from './dataset-pages.js';
import { writeDataset } from './dataset-writers.js';
import { ExportWorkers } from './export-workers.js';
import { voterSalt } from '../moderation/voter-hash.js';

const PURPOSE: Record<DatasetName, string> = {
  battles:
    'One row per human vote, in the Chatbot Arena clean-battle schema, with the extracted code and every execution of each side.',
  bigcodereward:
    'One row per human vote, in the bigcode/bigcodereward schema, for evaluating reward models and LLM judges.',
  judgements: 'One row per verdict of a judge (LLM-as-judge or execution-grounded) on a battle.',
  eval: 'One row per sample run of `arena eval` (test-based evaluation, HumanEval-style task sets) against its task’s tests.',
};

const EVAL_COLLECTION = `\`arena eval --store\` asked each model for samples of a complete program per task of a
HumanEval, HumanEval-X or MultiPL-E task set, took the code from each answer, put it together with the task's
tests as the task's format defines and ran it in the arena's sandboxes (no network). One row per sample; a model
evaluated again on the same task set replaces its rows. pass@k follows from \`passed\` with the unbiased
estimator of Chen et al. (2021).`;

/** Streams the arena's data sets (never built whole in memory) and writes their cards. */
@Injectable()
export class DatasetsService implements OnModuleDestroy {
  private readonly logger = createLogger(DatasetsService.name);

  /**
   * Exports on a PostgreSQL server run in worker threads with connections of their own; on the embedded
   * PGlite (one connection, in this process) they stay on the event loop.
   */
  private readonly workers: ExportWorkers | null;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    const { workers: limit, nice } = config.exports;
    this.workers =
      config.databaseUrl && limit > 0
        ? new ExportWorkers({
            url: config.databaseUrl,
            limit,
            nice,
            cancel: async (applicationName) => {
              await dataSource.query(
                'SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
                [applicationName],
              );
            },
          })
        : null;
  }

  async onModuleDestroy(): Promise<void> {
    await this.workers?.close();
  }

  async summaries(): Promise<DatasetSummary[]> {
    return Promise.all(
      DATASET_NAMES.map(async (name) => ({
        name,
        ...(await datasetCounts(this.dataSource, name)),
        schemaVersion: DATASET_SCHEMA_VERSION,
      })),
    );
  }

  /** Export into `out`; `gzip`: as one gzip stream (JSONL and CSV; Parquet compresses its own pages). */
  async export(
    name: DatasetName,
    format: DatasetFormat,
    query: DatasetQuery,
    out: Writable,
    gzip = false,
  ): Promise<number> {
    const started = performance.now();
    const salt = await voterSalt(this.dataSource, this.config.voterSalt);
    const rows = this.workers
      ? await this.workers.export(name, format, query, salt, out, gzip)
      : await writeDataset(
          name,
          format,
          await afterFirstPage(datasetPages(this.dataSource, name, query, salt)),
          out,
          gzip,
        );
    this.logger.info(
      { name, format, query, rows, gzip, worker: !!this.workers, ms: Math.round(performance.now() - started) },
      'data set exported',
    );
    return rows;
  }

  /** A README.md data-set card (Hugging Face style front matter): schema, counts, licence, collection, hashing. */
  async card(name: DatasetName, query: DatasetQuery, rows?: number): Promise<string> {
    const counts = await datasetCounts(this.dataSource, name);
    const filters = Object.entries(query).filter(([, v]) => v !== undefined);
    const columns = DATASET_COLUMNS[name]
      .map((c) => `| \`${c.name}\` | ${c.type}${c.nullable ? ', nullable' : ''} | ${c.doc} |`)
      .join('\n');
    return `---
license: ${this.config.datasetLicense}
pretty_name: the arena — ${name}
tags: [code, llm-evaluation, human-preferences]
---

# ${name}

${PURPOSE[name]}

- Schema version: ${DATASET_SCHEMA_VERSION}
- Rows in this export: ${rows ?? counts.rows}${filters.length ? ` (filters: ${filters.map(([k, v]) => `${k}=${String(v)}`).join(', ')})` : ''}
- Rows in the arena: ${counts.rows}; newest: ${counts.lastUpdate ?? 'none yet'}
- Exported: ${new Date().toISOString()}

## Collection

${
  name === 'eval'
    ? EVAL_COLLECTION
    : `People typed programming requests into a self-hosted arena. Two anonymous models answered side by side; the
code in each answer was extracted and run in a sandbox, and the output shown to the person, who voted for one
side, a tie, or both bad — and only then learned which models they saw. Only revealed battles are included: not
those never voted on, nor a voting session's battle before its host closes the vote. ${name === 'judgements' ? 'Judgements are made by the arena’s judge service once a battle’s answers are in, and exported once the battle is revealed; no voter ever sees one before voting.' : ''}`
}

## Privacy

Voter ids are replaced by \`HMAC-SHA256(salt, voter id)\` (first 128 bits, hex). The salt is secret to this
arena and constant across its exports, so one voter has one hash in every export and cannot be linked to anything
outside it. No IP address, admin data or model provider configuration is ever included.

## Schema

| column | type | meaning |
| --- | --- | --- |
${columns}

## Loading

\`\`\`python
import pandas as pd
df = pd.read_json("${name}.jsonl", lines=True)   # or pd.read_parquet("${name}.parquet"), pd.read_csv("${name}.csv")
\`\`\`
`;
  }
}
