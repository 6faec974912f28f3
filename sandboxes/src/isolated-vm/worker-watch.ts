import { readCpuMs, readRssBytes } from '../process-usage.js';

const POLL_MS = 25;
const MB = 1024 * 1024;

/**
 * How far a worker process's resident memory may grow during one run. isolated-vm caps only the isolate's
 * JavaScript heap, and only between allocations: WebAssembly memories are not counted, and one builtin
 * call (`new Array(1e9).fill(0)`) can carry the heap far past the cap before anything can stop it. The
 * worker ends the run at `worker` bytes of growth (its own view, from inside); the pool kills the worker
 * at `pool` bytes, for when the worker cannot act. The slack over the cap is V8's own overhead: a heap
 * filled to its cap costs up to about 1.5 times the cap plus 30 MB of RSS.
 */
export function memoryCaps(memoryMb: number): { worker: number; pool: number } {
  return { worker: Math.round((1.5 * memoryMb + 64) * MB), pool: Math.round((2 * memoryMb + 128) * MB) };
}

/** The pool's view of one run in a worker process: its RSS growth and CPU time, from the kernel. */
export interface WorkerWatch {
  /** CPU time the worker process used since the watch began, when the kernel says. */
  cpuMs(): Promise<number | undefined>;
  stop(): void;
}

/**
 * Watch a worker process while it runs one job: `onExceeded` is called once if its RSS grows more than
 * `capBytes` above the lowest it was seen at during the job.
 */
export function watchWorker(
  pid: number | undefined,
  capBytes: number,
  onExceeded: (grewBytes: number) => void,
): WorkerWatch {
  const cpuAtStart = readCpuMs(pid);
  let baseline: number | undefined;
  let stopped = false;
  const sample = (): void => {
    void readRssBytes(pid).then((rss) => {
      if (rss === undefined || stopped) return;
      baseline = Math.min(baseline ?? rss, rss);
      if (rss - baseline > capBytes) {
        stop();
        onExceeded(rss - baseline);
      }
    });
  };
  sample();
  const timer = setInterval(sample, POLL_MS);
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  return {
    stop,
    async cpuMs() {
      const [start, now] = await Promise.all([cpuAtStart, readCpuMs(pid)]);
      return start === undefined || now === undefined ? undefined : now - start;
    },
  };
}
