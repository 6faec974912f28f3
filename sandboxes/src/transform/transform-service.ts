import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildMessage, Job, JobReply, WorkerJobMessage, WorkerToParent } from './protocol.js';

export interface TransformServiceOptions {
  /** Worker processes; each compiles one program at a time. Default 2. */
  size?: number;
  /** Programs larger than this are refused before a compiler sees them. Default 256 KiB. */
  maxInputBytes?: number;
  /** Compiled output larger than this is refused rather than sent back. Default 16 MiB. */
  maxOutputBytes?: number;
  /** A compile still running after this long is killed with its worker. Default 5 s. */
  timeoutMs?: number;
  /**
   * Address space (RLIMIT_AS) each process of a worker may map: the worker's Node and, inherited, its
   * esbuild process. A hard bound on what either can use; both reserve some at start (Go ~0.8 GB, most of
   * it never touched), so the compiler's own room is this minus that. Default 1536 MB, at least 1400.
   */
  memoryMb?: number;
  onWorkerEvent?: (event: TransformWorkerEvent) => void;
}

export interface TransformWorkerEvent {
  kind: 'spawn' | 'exit' | 'kill';
  pid?: number;
  reason?: string;
}

export const DEFAULT_TRANSFORM_LIMITS = {
  size: 2,
  maxInputBytes: 256 * 1024,
  maxOutputBytes: 16 * 1024 * 1024,
  timeoutMs: 5_000,
  memoryMb: 1536,
} as const;

/** Below this the worker's Node and esbuild's Go runtime cannot reserve what they need to start. */
export const MIN_TRANSFORM_MEMORY_MB = 1400;
/** Programs waiting for a worker; past this the compile is refused (every slot is stuck on a slow program). */
const MAX_QUEUE = 1_000;
const STDERR_KEEP = 4_000;
/** Node and esbuild's service start in well under a second; past this the worker is taken as broken. */
const START_TIMEOUT_MS = 15_000;

interface Pending {
  message: WorkerJobMessage;
  resolve: (reply: JobReply) => void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  job?: Pending;
  timer?: NodeJS.Timeout;
  /** Killed, broken or exited: never given another job. */
  dead?: boolean;
  /** What the worker said before it exited, when it knew (esbuild's service stopped, an uncaught error). */
  brokenReason?: string;
  /** The start and the end of its stderr: Go puts its fatal error first, then every goroutine's stack. */
  stderrHead: string;
  stderrTail: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const workerFile = path.join(here, import.meta.url.endsWith('.ts') ? 'transform-worker.ts' : 'transform-worker.js');

const kb = (bytes: number): string => (bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0);
const limitFailure = (text: string): { ok: false; errors: BuildMessage[] } => ({
  ok: false,
  errors: [{ text, location: null, limit: true }],
});

function inputBytes(job: Job): number {
  switch (job.op) {
    case 'transform':
      return Buffer.byteLength(job.code);
    case 'preview-bundle':
      return Buffer.byteLength(job.source) + Buffer.byteLength(job.entry);
    case 'vue-sfc':
      return Buffer.byteLength(job.source);
  }
}

/** Why a worker died under a program, from what it and esbuild printed, in words for the program's author. */
export function describeCompilerDeath(detail: string, memoryMb: number): string {
  if (/out of memory|cannot allocate memory|allocation failed|heap limit|ENOMEM/i.test(detail))
    return `the compiler ran out of its ${memoryMb} MB of memory on this program and was stopped`;
  if (/stack exceeds|stack overflow|maximum call stack/i.test(detail))
    return 'the program nests too deeply for the compiler, which was stopped';
  if (/ERR_STRING_TOO_LONG|string longer than/i.test(detail))
    return 'the compiled program is too large to hold, and the compiler was stopped';
  return 'the compiler crashed on this program and was stopped';
}

/**
 * esbuild (and Vue's compiler) for untrusted programs, in a pool of worker processes: a program that makes
 * the compiler exhaust its memory, overflow its stack, print gigabytes or run past its time kills one
 * worker and ends that program's compile with a build error; the next compile gets a fresh worker.
 * Each worker runs under `ulimit -v` (inherited by its esbuild process) in its own process group, killed
 * whole at the time limit. Idle workers do not keep the process alive.
 */
export class TransformService {
  readonly limits: {
    size: number;
    maxInputBytes: number;
    maxOutputBytes: number;
    timeoutMs: number;
    memoryMb: number;
  };
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly execArgv: string[];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: TransformServiceOptions = {}) {
    const { onWorkerEvent: _, ...limits } = options;
    this.limits = { ...DEFAULT_TRANSFORM_LIMITS, ...limits };
    for (const [key, value] of Object.entries(this.limits))
      if (!Number.isInteger(value) || value < 1) throw new Error(`transform ${key} must be a positive integer`);
    if (this.limits.memoryMb < MIN_TRANSFORM_MEMORY_MB)
      throw new Error(
        `transform memoryMb must be at least ${MIN_TRANSFORM_MEMORY_MB}: Node and Go reserve address space at start`,
      );
    this.execArgv = [
      // Vue's compiler is the only JavaScript of any size it runs.
      '--max-old-space-size=256',
      '--disable-warning=ExperimentalWarning',
    ];
  }

  /** Compile one program; a program error, a limit or a compiler crash all come back as `ok: false`. */
  run<J extends Job>(job: J): Promise<JobReply<J['op']>> {
    if (this.closed) return Promise.resolve(limitFailure('the arena is shutting down'));
    const bytes = inputBytes(job);
    if (bytes > this.limits.maxInputBytes)
      return Promise.resolve(
        limitFailure(
          `the program is ${kb(bytes)} KB; the arena compiles programs of up to ${kb(this.limits.maxInputBytes)} KB`,
        ),
      );
    if (this.queue.length >= MAX_QUEUE)
      return Promise.resolve(limitFailure("the arena's compilers are all busy; run it again in a moment"));
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.queue.push({
        message: { type: 'job', id, job, maxOutputBytes: this.limits.maxOutputBytes },
        resolve: resolve as (reply: JobReply) => void,
      });
      this.dispatch();
    });
  }

  /** Start the workers now rather than on the first compile. */
  async warm(): Promise<void> {
    while (this.slots.filter((slot) => !slot.dead).length < this.limits.size) this.slots.push(this.spawn());
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.ready || slot.dead) return resolve();
            // Idle workers do not hold the process open, but one being waited for must.
            slot.child.ref();
            const done = (): void => {
              slot.child.off('message', onMessage);
              slot.child.unref();
              resolve();
            };
            const onMessage = (message: WorkerToParent): void => {
              if (message.type === 'ready') done();
            };
            slot.child.on('message', onMessage);
            slot.child.once('exit', done);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve(limitFailure('the arena is shutting down'));
    await Promise.all(
      this.slots.splice(0).map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
            // Held until it has exited, or a caller awaiting close() could see the process end first.
            slot.child.ref();
            slot.child.once('exit', () => resolve());
            this.kill(slot, 'close');
          }),
      ),
    );
  }

  private spawn(): Slot {
    // `ulimit -v` before Node starts, so Node and the esbuild process it starts both inherit it; a new
    // process group (detached) so one signal stops both.
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `ulimit -v ${this.limits.memoryMb * 1024} && exec "$0" "$@"`,
        process.execPath,
        ...this.execArgv,
        workerFile,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
        detached: true,
        env: {},
      },
    );
    const slot: Slot = { child, ready: false, stderrHead: '', stderrTail: '' };
    child.unref();
    child.channel?.unref();
    child.stderr?.on('data', (data: Buffer) => {
      const text = data.toString();
      if (slot.stderrHead.length < STDERR_KEEP) slot.stderrHead += text.slice(0, STDERR_KEEP - slot.stderrHead.length);
      slot.stderrTail = (slot.stderrTail + text).slice(-STDERR_KEEP);
    });
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    this.options.onWorkerEvent?.({ kind: 'spawn', ...(child.pid ? { pid: child.pid } : {}) });
    child.on('message', (message: WorkerToParent) => this.onMessage(slot, message));
    child.on('error', (error) => {
      // The shell could not be started at all: no 'exit' follows.
      slot.dead = true;
      this.finish(slot, limitFailure(`the compiler could not be started (${error.message})`));
      this.remove(slot);
    });
    child.once('exit', (code, signal) => {
      slot.dead = true;
      this.killGroup(slot);
      this.options.onWorkerEvent?.({
        kind: 'exit',
        ...(child.pid ? { pid: child.pid } : {}),
        reason: `code=${code} signal=${signal} ${slot.brokenReason ?? ''} ${slot.stderrHead.slice(0, 500)}`.trim(),
      });
      this.remove(slot);
    });
    // After the exit and once esbuild's end of stderr has closed too, so its last words are in.
    child.once('close', () => {
      const detail = `${slot.brokenReason ?? ''}\n${slot.stderrHead}\n${slot.stderrTail}`;
      const reason = slot.ready
        ? describeCompilerDeath(detail, this.limits.memoryMb)
        : `the compiler could not be started (${slot.stderrTail.trim().split('\n').slice(-3).join(' ') || 'no output'})`;
      this.finish(slot, limitFailure(reason));
    });
    return slot;
  }

  private onMessage(slot: Slot, message: WorkerToParent): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        if (slot.job && !slot.dead) this.send(slot, slot.job);
        return;
      case 'broken':
        slot.brokenReason = message.reason;
        slot.dead = true;
        return;
      case 'done': {
        if (slot.job?.message.id !== message.id) return;
        const { type: _type, id: _id, ...reply } = message;
        this.finish(slot, reply);
        this.dispatch();
        return;
      }
    }
  }

  private finish(slot: Slot, reply: JobReply): void {
    const job = slot.job;
    if (!job) return;
    slot.job = undefined;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    job.resolve(reply);
  }

  /** A dead worker leaves the pool; `dispatch` starts a new one only when work waits, so a broken setup cannot spin. */
  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index !== -1) this.slots.splice(index, 1);
    this.dispatch();
  }

  private kill(slot: Slot, reason: string): void {
    slot.dead = true;
    this.options.onWorkerEvent?.({ kind: 'kill', ...(slot.child.pid ? { pid: slot.child.pid } : {}), reason });
    this.killGroup(slot);
  }

  /** The worker and its esbuild process, whatever state either is in. */
  private killGroup(slot: Slot): void {
    const pid = slot.child.pid;
    try {
      if (pid) process.kill(-pid, 'SIGKILL');
      else slot.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  private dispatch(): void {
    if (this.closed) return;
    const idle = (): Slot[] => this.slots.filter((slot) => !slot.job && !slot.dead);
    const live = (): number => this.slots.filter((slot) => !slot.dead).length;
    while (live() < this.limits.size && this.queue.length > idle().length) this.slots.push(this.spawn());
    for (const slot of idle()) {
      const pending = this.queue.shift();
      if (!pending) return;
      this.start(slot, pending);
    }
  }

  private start(slot: Slot, pending: Pending): void {
    slot.job = pending;
    if (slot.ready) return this.send(slot, pending);
    // A fresh worker's start-up is not the program's time; it has its own allowance. Either timer, being
    // ref'd, also keeps the process up while a compile is under way.
    slot.timer = setTimeout(() => {
      this.finish(slot, limitFailure(`the compiler did not start within ${START_TIMEOUT_MS / 1000} s`));
      this.kill(slot, 'start-up timeout');
    }, START_TIMEOUT_MS);
  }

  private send(slot: Slot, pending: Pending): void {
    clearTimeout(slot.timer);
    // Its channel already closed: the worker is going, and its exit ends this compile.
    if (!slot.child.connected) return;
    slot.timer = setTimeout(() => {
      const seconds = this.limits.timeoutMs / 1000;
      this.finish(slot, limitFailure(`the compiler did not finish within ${seconds} s and was stopped`));
      this.kill(slot, 'timeout');
    }, this.limits.timeoutMs);
    slot.child.send(pending.message);
  }
}

let shared: TransformService | undefined;

/** The process-wide service the runners use unless they are given one. */
export function sharedTransformService(): TransformService {
  shared ??= new TransformService();
  return shared;
}

/** Replace the process-wide service (say, with limits from the arena's configuration); the old one shuts down. */
export function configureTransforms(options: TransformServiceOptions): TransformService {
  const previous = shared;
  shared = new TransformService(options);
  void previous?.close();
  return shared;
}
