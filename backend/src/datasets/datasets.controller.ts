import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import {
  ArenaError,
  DatasetFormat,
  DatasetName,
  DatasetQuery,
  parseInput,
  type DatasetSummary,
} from '@arena/contracts';
import type { Request, Response } from 'express';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CONTENT_TYPES } from './dataset-writers.js';
import { DatasetsService } from './datasets.service.js';

/** What a write to a response meets when the client has closed the connection. */
const CLIENT_GONE = new Set(['ERR_STREAM_DESTROYED', 'EPIPE', 'ECONNRESET', 'ECANCELED']);

@Controller('datasets')
export class DatasetsController {
  private readonly logger = createLogger(DatasetsController.name);

  constructor(
    @Inject(DatasetsService) private readonly datasets: DatasetsService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  @Get()
  list(): Promise<DatasetSummary[]> {
    return this.datasets.summaries();
  }

  @Get(':name/README.md')
  async card(@Param('name') name: string, @Query() query: unknown, @Res() res: Response): Promise<void> {
    const text = await this.datasets.card(
      parseInput(DatasetName, name, 'name'),
      parseInput(DatasetQuery, query, 'query'),
    );
    res.type('text/markdown; charset=utf-8').send(text);
  }

  /**
   * `GET /api/datasets/battles.parquet?since=…` — streamed, page by page; JSONL and CSV gzipped for a client that
   * accepts it (`Accept-Encoding: gzip`: browsers, Python's requests and aiohttp, `curl --compressed`). `HEAD` gets
   * the same headers and runs no export.
   */
  @Get(':file')
  async download(
    @Param('file') file: string,
    @Query() query: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const match = /^([a-z]+)\.([a-z]+)$/.exec(file);
    if (!match) throw new ArenaError('invalid_input', 'file: expected NAME.FORMAT, e.g. battles.jsonl');
    const name = parseInput(DatasetName, match[1], 'name');
    const format = parseInput(DatasetFormat, match[2], 'format');
    const filters = parseInput(DatasetQuery, query, 'query');
    res.status(200);
    res.setHeader('content-type', CONTENT_TYPES[format]);
    res.setHeader('content-disposition', `attachment; filename="${name}.${format}"`);
    const gzip = format !== 'parquet' && req.acceptsEncodings('gzip') === 'gzip';
    if (format !== 'parquet') res.vary('accept-encoding');
    if (gzip) res.setHeader('content-encoding', 'gzip');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const outcome = (value: 'completed' | 'abandoned' | 'failed'): void =>
      this.metrics.datasetExports.inc({ dataset: name, format, encoding: gzip ? 'gzip' : 'identity', outcome: value });
    try {
      await this.datasets.export(name, format, filters, res, gzip);
      res.end();
      outcome('completed');
    } catch (error) {
      // The client went away (closed the connection): nothing failed here.
      if (CLIENT_GONE.has((error as { code?: string }).code ?? '')) {
        this.logger.info({ name, format }, 'download abandoned by the client');
        outcome('abandoned');
        return;
      }
      outcome('failed');
      if (!res.headersSent) {
        // Nothing sent yet (an export writes nothing before its first page is in): a plain error answer.
        this.logger.error({ err: error, name, format }, 'export failed');
        res.removeHeader('content-disposition');
        res.removeHeader('content-encoding');
        res.removeHeader('content-type');
        throw new ArenaError('internal', 'the data set could not be exported; try again later');
      }
      // Headers are gone: the only honest signal left is a broken download.
      this.logger.error({ err: error, name, format }, 'export failed mid-stream');
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
