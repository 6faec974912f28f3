/**
 * An export's own thread (see `ExportWorkers`): it reads the data set on its own PostgreSQL connections,
 * formats it and hands the bytes to the server's thread a buffer at a time (transferred, not copied
 * again), each once the server's thread has asked for more (the response drained). It imports nothing of
 * the server but the data sets' reading and writing.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { poolDatasetDb } from './dataset-db.js';
import { afterFirstPage, datasetPages } from './dataset-pages.js';
import { writeDataset } from './dataset-writers.js';
import type { ExportJob, ExportThread, FromExportWorker, ToExportWorker } from './export-workers.js';

/** Connections of an export: pages read ahead, the page bounds, and a build of missing export parts. */
const CONNECTIONS = 3;

/**
 * This thread (not the server's) at a lower priority, so a busy machine serves the server's thread first:
 * Linux keeps a nice value per thread, addressed by its thread id (`/proc/thread-self` names it).
 */
function lowerPriority(nice: number): void {
  if (process.platform !== 'linux' || nice <= 0) return;
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), nice);
  } catch {
    // Nowhere to say it but the export's speed: the export runs at the server's priority.
  }
}

const port = parentPort!;
const thread = workerData as ExportThread;
lowerPriority(thread.nice);

const pool = new pg.Pool({
  connectionString: thread.url,
  max: CONNECTIONS,
  application_name: thread.applicationName,
  // PostgreSQL checks the connection every second while a query runs: a worker ended mid-query (the server
  // stopped, the thread terminated) leaves nothing running behind it.
  options: '-c client_connection_check_interval=1000',
});
// A connection's failure surfaces in the query it fails; idle clients' errors must not end the thread.
pool.on('error', () => undefined);
const db = poolDatasetDb(pool);

/** The running export's write waiting for the server's thread to ask for more. */
let more: (() => void) | undefined;

/**
 * The server's thread, as a stream: a write is done once the bytes are handed over and more is asked for.
 * One per export: a failed export's write left waiting is dropped with its stream, not met by the next.
 */
function toServer(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      const bytes = new ArrayBuffer(chunk.length);
      new Uint8Array(bytes).set(chunk);
      more = callback;
      port.postMessage({ type: 'bytes', bytes } satisfies FromExportWorker, [bytes]);
    },
  });
}

/** One export, start to end; the thread then waits for the next. */
async function run(job: ExportJob): Promise<void> {
  try {
    const pages = await afterFirstPage(datasetPages(db, job.name, job.query, job.salt));
    const rows = await writeDataset(job.name, job.format, pages, toServer());
    port.postMessage({ type: 'done', rows } satisfies FromExportWorker);
  } catch (error) {
    more = undefined;
    const { message, stack, code } = error as Error & { code?: unknown };
    port.postMessage({
      type: 'error',
      message: String(message ?? error),
      stack: typeof stack === 'string' ? stack : undefined,
      code: typeof code === 'string' ? code : undefined,
    } satisfies FromExportWorker);
  }
}

port.on('message', (message: ToExportWorker) => {
  if (message.type === 'more') {
    const next = more;
    more = undefined;
    next?.();
  } else void run(message.job);
});
