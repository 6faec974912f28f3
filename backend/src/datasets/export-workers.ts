import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { DatasetFormat, DatasetName, DatasetQuery } from '@arena/contracts';

/** An export: the data set, filtered, with the salt of its voter hashes. */
export interface ExportJob {
  name: DatasetName;
  format: DatasetFormat;
  query: DatasetQuery;
  salt: string;
  /** Gzip the bytes (in the thread) for a client that accepts it: JSONL and CSV. */
  gzip: boolean;
}

/**
 * An export thread hands its bytes over in memory it shares with the server's thread: `EXPORT_SLOTS` slots of
 * `EXPORT_SLOT_BYTES`, each filled by the thread and given back once the server's thread has written it. A
 * buffer per chunk, transferred, was external memory the server's heap had to collect: at 100 MB/s it ran a full
 * collection of the server's heap every 0.35 s (50 in a million-row export, 12 ms each), in the middle of the
 * live battles' fan-out.
 */
export const EXPORT_SLOT_BYTES = 1 << 20;
export const EXPORT_SLOTS = 4;

/** What an export thread is started with: where to read, as whom (`applicationName`), how nicely. */
export interface ExportThread {
  url: string;
  /** The thread's connections' `application_name`: how its queries are found to cancel them. */
  applicationName: string;
  /** The thread's nice value (Linux), above the server's: the server's thread is served first. */
  nice: number;
  /** The slots the thread fills (`EXPORT_SLOTS` × `EXPORT_SLOT_BYTES`), shared with the server's thread. */
  memory: SharedArrayBuffer;
}

/** To a thread: an export to run, or a slot written (free to fill again). */
export type ToExportWorker = { type: 'job'; job: ExportJob } | { type: 'free'; slot: number };

export type FromExportWorker =
  /** The next `length` bytes of the export are in slot `slot`. */
  | { type: 'bytes'; slot: number; length: number }
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
 * An export thread's young generation (V8's, both semi-spaces and new large objects: 8 MB semi-spaces). A stream of
 * a million rows fills a larger one with garbage that stays resident (the server's own, sized by the machine's
 * memory, reached 128 MB) and gains the export nothing measurable.
 */
export const EXPORT_YOUNG_GENERATION_MB = 24;

/**
 * The thread an export runs in. Built, this module is `dist/datasets/export-workers.js` and the worker's entry
 * `export-worker.js` beside it. From the TypeScript sources (vitest runs them), the entry is `export-worker.ts`,
 * whose imports name `.js` files that are not there, in TypeScript Node cannot run as it is (decorators,
 * imports of types without `type`): the thread first registers module hooks (`module.registerHooks`, in the
 * thread) that resolve `./x.js` to `./x.ts` and compile each `.ts` file with esbuild, then imports the entry.
 */
function startWorker(thread: ExportThread): Worker {
  const here = import.meta.url;
  const resourceLimits = { maxYoungGenerationSizeMb: EXPORT_YOUNG_GENERATION_MB };
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./export-worker.js', here), { workerData: thread, resourceLimits });
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
    { eval: true, workerData: thread, resourceLimits },
  );
}

/** A thread's error as an Error of this thread, with the database's error code (e.g. `42703`) when there is one. */
function failure(message: Extract<FromExportWorker, { type: 'error' }>): Error {
  return Object.assign(new Error(message.message), {
    ...(message.code ? { code: message.code } : {}),
    stack: message.stack ?? message.message,
  });
}

interface Thread {
  worker: Worker;
  applicationName: string;
  memory: SharedArrayBuffer;
}

/**
 * Data-set exports in worker threads, each with its own PostgreSQL connections: reading the rows (binary COPY)
 * and formatting them (JSONL, CSV, Parquet) happen off the server's event loop, which only writes the bytes a
 * thread puts in the memory they share (see `EXPORT_SLOTS`), and gives each slot back once written. At most `limit` run at once; more
 * wait in order. A thread that finished an export waits for the next (started once, its connections kept); a
 * stream closed mid-export ends its thread and cancels its queries.
 */
export class ExportWorkers {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle: Thread[] = [];

  constructor(private readonly options: ExportWorkerOptions) {}

  /** Exports running now. */
  get active(): number {
    return this.running;
  }

  /** Exports waiting for one of the running to end. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Export into `out`, which must be done with a chunk when it calls its write back (a socket, a response, a
   * file): the chunk is a view of a slot the thread fills again after that. Resolves with the rows once the
   * stream has written the last bytes.
   */
  async export(
    name: DatasetName,
    format: DatasetFormat,
    query: DatasetQuery,
    salt: string,
    out: Writable,
    gzip = false,
  ): Promise<number> {
    await this.turn(out);
    try {
      return await this.run({ name, format, query, salt, gzip }, out);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** End the idle threads (a running export's thread ends with it). */
  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((thread) => thread.worker.terminate()));
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

  private thread(): Thread {
    const idle = this.idle.pop();
    if (idle) return idle;
    const applicationName = `arena-export-${randomUUID().slice(0, 8)}`;
    const memory = new SharedArrayBuffer(EXPORT_SLOTS * EXPORT_SLOT_BYTES);
    const worker = startWorker({ url: this.options.url, applicationName, nice: this.options.nice, memory });
    const thread = { worker, applicationName, memory };
    // An idle thread keeps no process alive; one that ends leaves the idle list.
    worker.on('exit', () => {
      const at = this.idle.indexOf(thread);
      if (at >= 0) this.idle.splice(at, 1);
    });
    worker.on('error', () => undefined);
    return thread;
  }

  private run(job: ExportJob, out: Writable): Promise<number> {
    if (out.destroyed) return Promise.reject(gone());
    const thread = this.thread();
    const { worker } = thread;
    worker.ref();
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null, rows = 0): void => {
        if (settled) return;
        settled = true;
        out.off('close', closed);
        worker.off('message', message);
        worker.off('error', failed);
        worker.off('exit', exited);
        if (error) reject(error);
        else resolve(rows);
      };
      // A slot is the thread's to fill again once its bytes are written (or will never be: the stream failed).
      const free = (slot: number): void => worker.postMessage({ type: 'free', slot } satisfies ToExportWorker);
      // The client went away: the thread ends (its connections close), then what it left running is cancelled
      // (a query that has sent nothing yet, as the page bounds', or waits for a lock, would otherwise run on).
      // Its slot is free only once both are done.
      let stopping = false;
      const stop = (error: Error): void => {
        if (settled || stopping) return;
        stopping = true;
        worker
          .terminate()
          .then(() => this.options.cancel(thread.applicationName))
          .catch(() => undefined)
          .finally(() => settle(error));
      };
      const closed = (): void => stop(gone());
      // Writes handed to the stream and not yet done: the export resolves once its last bytes are written, as
      // one on the event loop does (a caller reading what the stream was given then has all of it).
      let writing = 0;
      let rowsDone: number | undefined;
      const finish = (rows: number): void => {
        // A stream destroyed meanwhile may still call its last writes back without an error: not written.
        if (out.destroyed) return closed();
        worker.unref();
        this.idle.push(thread);
        settle(null, rows);
      };
      const message = (message: FromExportWorker): void => {
        if (settled || stopping) return;
        switch (message.type) {
          case 'bytes': {
            // A view of the slot, no copy: the slot is not filled again before this write is done. The slots
            // are the export's backpressure: a response that does not drain holds them, and the thread waits.
            const { slot, length } = message;
            writing++;
            out.write(Buffer.from(thread.memory, slot * EXPORT_SLOT_BYTES, length), (error) => {
              writing--;
              free(slot);
              if (settled || stopping) return;
              if (error) closed();
              else if (writing === 0 && rowsDone !== undefined) finish(rowsDone);
            });
            return;
          }
          case 'done':
            if (writing === 0) finish(message.rows);
            else rowsDone = message.rows;
            return;
          case 'error':
            // The thread is ready for another export (a write of the failed one left waiting goes with it)
            // once every slot is back; with writes still out (a stream may never call back one it dropped),
            // it ends instead of waiting for a slot that may never come back.
            if (writing === 0) {
              this.idle.push(thread);
              worker.unref();
            } else void worker.terminate();
            settle(failure(message));
        }
      };
      const failed = (error: Error): void => {
        if (!stopping) settle(error);
      };
      const exited = (code: number): void => {
        if (!stopping) settle(new Error(`the export worker exited (${code}) before the export was done`));
      };
      out.on('close', closed);
      worker.on('message', message);
      worker.on('error', failed);
      worker.on('exit', exited);
      worker.postMessage({ type: 'job', job } satisfies ToExportWorker);
    });
  }
}
