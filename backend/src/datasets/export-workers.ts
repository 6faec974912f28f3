import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { DatasetFormat, DatasetName, DatasetQuery } from '@arena/contracts';

/** What an export worker is given: the data set, where to read it, as whom (`applicationName`), how nicely. */
export interface ExportJob {
  url: string;
  /** The worker's connections' `application_name`: how its queries are found to cancel them. */
  applicationName: string;
  name: DatasetName;
  format: DatasetFormat;
  query: DatasetQuery;
  salt: string;
  /** The worker thread's nice value (Linux), above the server's: the server's thread is served first. */
  nice: number;
}

/** From the server's thread: the last bytes are written (or the response drained), send more. */
export type ToExportWorker = 'more';

export type FromExportWorker =
  | { type: 'bytes'; bytes: ArrayBuffer }
  | { type: 'done'; rows: number }
  | { type: 'error'; message: string; stack?: string; code?: string };

export interface ExportWorkerOptions {
  /** The PostgreSQL the workers connect to (never the embedded PGlite: it is one connection, in-process). */
  url: string;
  /** Exports at once; more wait their turn (queued, in order). */
  limit: number;
  /** The workers' nice value (0: the server's priority). */
  nice: number;
  /** Cancel the queries of connections named `applicationName` (on the server's own connection). */
  cancel: (applicationName: string) => Promise<void>;
}

/** The stream went away before the export finished: what a write to a destroyed stream meets. */
function gone(): Error {
  return Object.assign(new Error('the export stream was closed before the export finished'), {
    code: 'ERR_STREAM_DESTROYED',
  });
}

/**
 * The thread an export runs in. Built, this module is `dist/datasets/export-workers.js` and the worker's entry
 * `export-worker.js` beside it. From the TypeScript sources (vitest runs them), the entry is `export-worker.ts`,
 * whose imports name `.js` files that are not there, in TypeScript Node cannot run as it is (decorators,
 * imports of types without `type`): the thread first registers module hooks (`module.registerHooks`, in the
 * thread) that resolve `./x.js` to `./x.ts` and compile each `.ts` file with esbuild, then imports the entry.
 */
function startWorker(job: ExportJob): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./export-worker.js', here), { workerData: job });
  const entry = new URL('./export-worker.ts', here).href;
  return new Worker(
    `
    const { registerHooks, createRequire } = require('node:module');
    const { existsSync, readFileSync } = require('node:fs');
    const { fileURLToPath } = require('node:url');
    const esbuild = createRequire(${JSON.stringify(entry)})('esbuild');
    registerHooks({
      resolve(specifier, context, next) {
        if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
          const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
          if (existsSync(fileURLToPath(ts))) return { url: ts.href, format: 'module', shortCircuit: true };
        }
        return next(specifier, context);
      },
      load(url, context, next) {
        if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
        const file = fileURLToPath(url);
        const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), {
          loader: 'ts', format: 'esm', target: 'es2023', sourcefile: file, sourcemap: 'inline',
          tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
        });
        return { format: 'module', source: code, shortCircuit: true };
      },
    });
    import(${JSON.stringify(entry)});
    `,
    { eval: true, workerData: job },
  );
}

/**
 * Data-set exports in worker threads, each with its own PostgreSQL connections: reading the rows (binary COPY)
 * and formatting them (JSONL, CSV, Parquet) happen off the server's event loop, which only writes the buffers
 * a worker hands it, and asks for the next once the response has drained. At most `limit` run at once; more
 * wait in order. A stream closed mid-export ends its worker and cancels its queries.
 */
export class ExportWorkers {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: ExportWorkerOptions) {}

  /** Exports running now. */
  get active(): number {
    return this.running;
  }

  /** Exports waiting for one of the running to end. */
  get queued(): number {
    return this.waiting.length;
  }

  async export(
    name: DatasetName,
    format: DatasetFormat,
    query: DatasetQuery,
    salt: string,
    out: Writable,
  ): Promise<number> {
    await this.turn(out);
    try {
      return await this.run(
        {
          url: this.options.url,
          applicationName: `arena-export-${randomUUID().slice(0, 8)}`,
          name,
          format,
          query,
          salt,
          nice: this.options.nice,
        },
        out,
      );
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Wait for a free slot (a running export hands its own over); a stream closed meanwhile leaves the queue. */
  private turn(out: Writable): Promise<void> {
    if (this.running < this.options.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const start = (): void => {
        out.off('close', leave);
        resolve();
      };
      const leave = (): void => {
        const at = this.waiting.indexOf(start);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(gone());
      };
      this.waiting.push(start);
      out.once('close', leave);
    });
  }

  private run(job: ExportJob, out: Writable): Promise<number> {
    if (out.destroyed) return Promise.reject(gone());
    const worker = startWorker(job);
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null, rows = 0): void => {
        if (settled) return;
        settled = true;
        out.off('close', closed);
        out.off('drain', more);
        if (error) reject(error);
        else resolve(rows);
      };
      const more = (): void => worker.postMessage('more' satisfies ToExportWorker);
      // The client went away: the worker ends (its connections close), then what it left running is cancelled
      // (a query that has sent nothing yet, as the page bounds', or waits for a lock, would otherwise run on).
      // Its slot is free only once both are done.
      let stopping = false;
      const closed = (): void => {
        if (settled || stopping) return;
        stopping = true;
        worker
          .terminate()
          .then(() => this.options.cancel(job.applicationName))
          .catch(() => undefined)
          .finally(() => settle(gone()));
      };
      out.on('close', closed);
      worker.on('message', (message: FromExportWorker) => {
        if (settled || stopping) return;
        switch (message.type) {
          case 'bytes':
            if (out.write(Buffer.from(message.bytes), (error) => error && closed())) more();
            else out.once('drain', more);
            return;
          case 'done':
            settle(null, message.rows);
            return;
          case 'error':
            settle(
              Object.assign(new Error(message.message), {
                ...(message.code ? { code: message.code } : {}),
                stack: message.stack ?? message.message,
              }),
            );
        }
      });
      worker.on('error', (error: Error) => stopping || settle(error));
      worker.on(
        'exit',
        (code) => stopping || settle(new Error(`the export worker exited (${code}) before the export was done`)),
      );
    });
  }
}
