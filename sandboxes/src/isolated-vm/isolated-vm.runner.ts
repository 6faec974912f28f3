import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '@arena/contracts';
import { runEnding } from '../result.js';
import { transpileForIsolate } from './transpile.js';
import type { WorkerDoneMessage, WorkerRunMessage, WorkerToParent } from './protocol.js';
import { memoryCaps, watchWorker, type WorkerWatch } from './worker-watch.js';
import {
  DEFAULT_LIMITS,
  resolveLimits,
  type OutputChunk,
  type RunLimits,
  type RunOptions,
  type RunRequest,
  type RunResult,
  type Runner,
} from '../types.js';

export interface IsolatedVmRunnerOptions {
  /** Worker processes; each runs one program at a time. Default: the number of cores. */
  size?: number;
  defaults?: RunLimits;
  /** Extra time past the wall budget before the worker process is killed outright. */
  killGraceMs?: number;
  onWorkerEvent?: (event: { kind: 'spawn' | 'exit' | 'kill'; pid?: number; reason?: string }) => void;
}

interface Job {
  message: WorkerRunMessage;
  onOutput: (chunk: OutputChunk) => void;
  resolve: (done: Omit<WorkerDoneMessage, 'type' | 'id' | 'recycle'>) => void;
  signal?: AbortSignal;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  job?: Job;
  backstop?: NodeJS.Timeout;
  /** The running job's worker process as the kernel sees it: RSS growth and CPU time. */
  watch?: WorkerWatch;
  onAbort?: () => void;
  /** Killed or exiting: never given another job. */
  dead?: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const workerFile = path.join(here, import.meta.url.endsWith('.ts') ? 'worker.ts' : 'worker.js');

function permissionArgs(): string[] {
  const require = createRequire(import.meta.url);
  const ivmPackage = require.resolve('isolated-vm/package.json');
  const gypBuild = createRequire(ivmPackage).resolve('node-gyp-build/package.json');
  // node-gyp-build probes for musl through /etc/alpine-release when it picks the prebuilt binary.
  const readable = [here, path.dirname(ivmPackage), path.dirname(gypBuild), '/etc/alpine-release'];
  return ['--permission', '--allow-addons', ...readable.map((dir) => `--allow-fs-read=${dir}`)];
}

/** V8's own report of a heap it could not grow: the worker died of memory, not of a fault. */
const V8_OUT_OF_MEMORY = /out of memory|is_heap_oom = 1/i;

const JS_ENVIRONMENTS: ReadonlySet<Environment> = new Set(['javascript', 'typescript']);

/**
 * JavaScript and TypeScript in isolated-vm, in a pool of child processes locked down with Node's
 * permission model (no file reads beyond the worker's own code, no child processes, no workers).
 * A fresh isolate per run; a worker is replaced after an out-of-memory, a crash, or a hard kill.
 */
export class IsolatedVmRunner implements Runner {
  readonly kind = 'isolated-vm' as const;
  readonly isolation = 'v8-isolate' as const;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly size: number;
  private readonly defaults: RunLimits;
  private readonly killGraceMs: number;
  private nextId = 1;
  private closed = false;
  private readonly execArgv: string[];

  constructor(private readonly options: IsolatedVmRunnerOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.defaults = options.defaults ?? DEFAULT_LIMITS;
    this.killGraceMs = options.killGraceMs ?? 1_500;
    this.execArgv = [
      '--no-node-snapshot',
      '--max-old-space-size=256',
      '--disable-warning=SecurityWarning',
      ...permissionArgs(),
    ];
  }

  supports(environment: Environment): boolean {
    return JS_ENVIRONMENTS.has(environment);
  }

  /** Start the worker processes now rather than on the first run. */
  async warm(): Promise<void> {
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  async run(request: RunRequest, options: RunOptions = {}): Promise<RunResult> {
    if (this.closed) throw new Error('runner is closed');
    const limits = resolveLimits(request.limits, this.defaults);
    const { finish, refuseMissing } = runEnding(this.kind, options);
    if (!this.supports(request.environment)) {
      return finish({ status: 'unsupported', message: `isolated-vm does not run ${request.environment}` });
    }
    const refused = refuseMissing(
      request.installCommand,
      {},
      'the JavaScript sandbox (a bare V8 isolate, no packages)',
    );
    if (refused) return refused;
    const prepared = await transpileForIsolate(request.code, request.environment);
    if (!prepared.ok) {
      options.onOutput?.({ stream: 'stderr', data: prepared.error });
      return finish({ status: 'compile_error', exitCode: 1 });
    }
    let outputBytes = 0;
    const onOutput = (chunk: OutputChunk): void => {
      outputBytes += Buffer.byteLength(chunk.data);
      if (outputBytes <= limits.outputBytes) options.onOutput?.(chunk);
    };
    const done = await new Promise<Omit<WorkerDoneMessage, 'type' | 'id' | 'recycle'>>((resolve) => {
      const job: Job = {
        message: {
          type: 'run',
          id: this.nextId++,
          code: prepared.code,
          sourceType: prepared.sourceType,
          stdin: request.stdin ?? '',
          limits,
          memoryCapBytes: memoryCaps(limits.memoryMb).worker,
        },
        onOutput,
        resolve,
      };
      if (options.signal) job.signal = options.signal;
      this.queue.push(job);
      this.dispatch();
    });
    const result: Omit<RunResult, 'durationMs' | 'runner'> = {
      status: done.status,
      cpuMs: Math.round(done.cpuMs),
      peakMemoryBytes: done.peakMemoryBytes,
    };
    if (done.exitCode !== undefined) result.exitCode = done.exitCode;
    if (done.message) result.message = done.message;
    return finish(result);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.resolve({ status: 'internal_error', message: 'runner closed', cpuMs: 0, peakMemoryBytes: 0 });
    await Promise.all(
      this.slots.splice(0).map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
            slot.child.once('exit', () => resolve());
            slot.child.kill('SIGKILL');
          }),
      ),
    );
  }

  private spawn(): Slot {
    const child = fork(workerFile, [], {
      execArgv: this.execArgv,
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-4_000);
    });
    const slot: Slot = {
      child,
      ready: new Promise<void>((resolve) => {
        const onReady = (message: WorkerToParent): void => {
          if (message.type === 'ready') {
            child.off('message', onReady);
            resolve();
          }
        };
        child.on('message', onReady);
        child.once('exit', () => resolve());
      }),
    };
    this.options.onWorkerEvent?.({ kind: 'spawn', ...(child.pid ? { pid: child.pid } : {}) });
    child.on('message', (message: WorkerToParent) => this.onMessage(slot, message));
    child.once('exit', (code, signal) => {
      slot.dead = true;
      this.options.onWorkerEvent?.({
        kind: 'exit',
        ...(child.pid ? { pid: child.pid } : {}),
        reason: `code=${code} signal=${signal} ${stderr.trim().slice(-500)}`,
      });
      const memoryMb = slot.job?.message.limits.memoryMb;
      this.finishJob(
        slot,
        memoryMb !== undefined && V8_OUT_OF_MEMORY.test(stderr)
          ? { status: 'memory_limit', message: `memory limit of ${memoryMb} MB exceeded`, cpuMs: 0, peakMemoryBytes: 0 }
          : {
              status: 'internal_error',
              message: 'the sandbox process exited unexpectedly',
              cpuMs: 0,
              peakMemoryBytes: 0,
            },
      );
      this.replace(slot);
    });
    return slot;
  }

  /** A dead worker leaves the pool; `dispatch` starts a new one only when work waits, so a broken worker cannot spin. */
  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index !== -1) this.slots.splice(index, 1);
    this.dispatch();
  }

  private kill(slot: Slot, reason: string): void {
    slot.dead = true;
    this.options.onWorkerEvent?.({ kind: 'kill', ...(slot.child.pid ? { pid: slot.child.pid } : {}), reason });
    slot.child.kill('SIGKILL');
    this.dispatch();
  }

  private onMessage(slot: Slot, message: WorkerToParent): void {
    const job = slot.job;
    if (message.type === 'ready' || !job || message.id !== job.message.id) return;
    if (message.type === 'out') {
      job.onOutput({ stream: message.stream, data: message.data });
      return;
    }
    this.finishJob(slot, message);
    if (message.recycle) this.kill(slot, `recycle after ${message.status}`);
    else this.dispatch();
  }

  private finishJob(slot: Slot, done: Omit<WorkerDoneMessage, 'type' | 'id' | 'recycle'>): void {
    const job = slot.job;
    if (!job) return;
    slot.job = undefined;
    if (slot.backstop) clearTimeout(slot.backstop);
    slot.watch?.stop();
    if (slot.onAbort) job.signal?.removeEventListener('abort', slot.onAbort);
    slot.backstop = undefined;
    slot.watch = undefined;
    slot.onAbort = undefined;
    job.resolve(done);
  }

  private dispatch(): void {
    if (this.closed) return;
    const live = (): number => this.slots.filter((slot) => !slot.dead).length;
    while (live() < this.size && this.queue.length > this.idleSlots().length) this.slots.push(this.spawn());
    for (const slot of this.idleSlots()) {
      const job = this.queue.shift();
      if (!job) return;
      if (job.signal?.aborted) {
        job.resolve({ status: 'internal_error', message: 'run cancelled', cpuMs: 0, peakMemoryBytes: 0 });
        continue;
      }
      this.start(slot, job);
    }
  }

  private idleSlots(): Slot[] {
    return this.slots.filter((slot) => !slot.job && !slot.dead);
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    const { limits } = job.message;
    // The worker enforces the limits itself; these are the backstops if it cannot (a wedged isolate, or
    // memory V8 fills in one step), with the CPU time the kernel counted for the worker process.
    const watch = watchWorker(slot.child.pid, memoryCaps(limits.memoryMb).pool, (grewBytes) => {
      void watch.cpuMs().then((cpuMs) => {
        if (slot.job !== job) return;
        this.finishJob(slot, {
          status: 'memory_limit',
          message: `memory limit of ${limits.memoryMb} MB exceeded`,
          cpuMs: cpuMs ?? 0,
          peakMemoryBytes: grewBytes,
        });
        this.kill(slot, 'memory backstop');
      });
    });
    slot.watch = watch;
    slot.backstop = setTimeout(() => {
      void watch.cpuMs().then((cpuMs) => {
        if (slot.job !== job) return;
        this.finishJob(slot, {
          status: 'timeout',
          message: `wall-clock limit of ${limits.wallMs} ms exceeded`,
          cpuMs: cpuMs ?? 0,
          peakMemoryBytes: 0,
        });
        this.kill(slot, 'wall-clock backstop');
      });
    }, limits.wallMs + this.killGraceMs);
    if (job.signal) {
      slot.onAbort = () => {
        this.finishJob(slot, { status: 'internal_error', message: 'run cancelled', cpuMs: 0, peakMemoryBytes: 0 });
        this.kill(slot, 'cancelled');
      };
      job.signal.addEventListener('abort', slot.onAbort, { once: true });
    }
    void slot.ready.then(() => {
      if (slot.job === job) slot.child.send(job.message);
    });
  }
}
