/**
 * An export's own thread (see `ExportWorkers`): it reads the data set on its own PostgreSQL connections,
 * formats it and hands the bytes to the server's thread through the slots of memory they share (see
 * `EXPORT_SLOTS`), each filled once the server's thread has written what it held. It imports nothing of the
 * server but the data sets' reading and writing.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { poolDatasetDb } from './dataset-db.js';
import { afterFirstPage, datasetPages } from './dataset-pages.js';
import { writeDataset } from './dataset-writers.js';
import {
  EXPORT_SLOT_BYTES,
  EXPORT_SLOTS,
  type ExportJob,
  type ExportThread,
  type FromExportWorker,
  type ToExportWorker,
} from './export-workers.js';

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

const memory = new Uint8Array(thread.memory);
/** Slots the server's thread has written (or never was given), free to fill; kept from one export to the next. */
const free = Array.from({ length: EXPORT_SLOTS }, (_, slot) => slot);
/** Writes waiting for a slot, in order. */
const waiting: ((slot: number) => void)[] = [];

function freeSlot(): Promise<number> | number {
  if (free.length > 0) return free.shift()!;
  return new Promise((resolve) => waiting.push(resolve));
}

/**
 * The server's thread, as a stream: a write is done once its bytes are in slots handed over (a chunk larger
 * than a slot fills several); it waits while every slot is still being written. One per export: destroyed
 * when the export fails, so nothing of it is handed over after its end (or into the next export).
 */
function toServer(): Writable {
  const out: Writable = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      void (async () => {
        for (let at = 0; at < chunk.length; at += EXPORT_SLOT_BYTES) {
          const slot = await freeSlot();
          if (out.destroyed) {
            release(slot);
            throw new Error('the export ended');
          }
          const length = Math.min(EXPORT_SLOT_BYTES, chunk.length - at);
          memory.set(chunk.subarray(at, at + length), slot * EXPORT_SLOT_BYTES);
          port.postMessage({ type: 'bytes', slot, length } satisfies FromExportWorker);
        }
      })().then(() => callback(), callback);
    },
  });
  return out;
}

/** A slot written by the server's thread (or not used): to the first write waiting, else free. */
function release(slot: number): void {
  const next = waiting.shift();
  if (next) next(slot);
  else free.push(slot);
}

/** One export, start to end; the thread then waits for the next. */
async function run(job: ExportJob): Promise<void> {
  const out = toServer();
  try {
    const pages = await afterFirstPage(datasetPages(db, job.name, job.query, job.salt));
    const rows = await writeDataset(job.name, job.format, pages, out, job.gzip);
    port.postMessage({ type: 'done', rows } satisfies FromExportWorker);
  } catch (error) {
    out.destroy();
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
  if (message.type === 'free') release(message.slot);
  else void run(message.job);
});
