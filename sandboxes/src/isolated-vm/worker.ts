/**
 * An isolated-vm worker process. The pool forks it; it runs one program at a time, each in a fresh
 * isolate, and reports output and the result over IPC. Kept free of runtime imports from the rest of the
 * package so Node can also run the .ts source directly (type stripping) under the test runner.
 *
 * Hardening, after isolated-vm's security notes: nothing of the host is put into the context but three
 * copy-only callbacks (output, timer set, timer clear) that take and return primitives; no Reference to a
 * host object is ever handed in; timers are the host's own and counted against the wall budget; the
 * isolate is disposed at the first limit; after an out-of-memory or a catastrophic error the whole
 * process is recycled by the pool.
 */
import ivm from 'isolated-vm';
import type { RunStatus } from '@arena/contracts';
import type { ParentToWorker, WorkerDoneMessage, WorkerRunMessage, WorkerToParent } from './protocol.js';

const MAX_TIMERS = 1_000;
const POLL_MS = 10;
const FLUSH_MS = 5;

function send(message: WorkerToParent): void {
  process.send?.(message);
}

const BOOTSTRAP = String.raw`
const [emit, setTimer, clearTimer, stdinText] = [$0, $1, $2, $3];
const inspect = (value, depth, seen) => {
  if (typeof value === 'string') return depth === 0 ? value : JSON.stringify(value);
  if (typeof value === 'bigint') return value + 'n';
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return '[Function: ' + (value.name || 'anonymous') + ']';
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Error) return value.stack || (value.name + ': ' + value.message);
  if (seen.has(value)) return '[Circular]';
  if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.add(value);
  let text;
  if (Array.isArray(value)) {
    const items = value.slice(0, 100).map((v) => inspect(v, depth + 1, seen));
    if (value.length > 100) items.push('... ' + (value.length - 100) + ' more items');
    text = '[ ' + items.join(', ') + ' ]';
    if (items.length === 0) text = '[]';
  } else if (value instanceof Map) {
    text = 'Map(' + value.size + ') { ' + [...value].slice(0, 100).map(([k, v]) => inspect(k, depth + 1, seen) + ' => ' + inspect(v, depth + 1, seen)).join(', ') + ' }';
  } else if (value instanceof Set) {
    text = 'Set(' + value.size + ') { ' + [...value].slice(0, 100).map((v) => inspect(v, depth + 1, seen)).join(', ') + ' }';
  } else if (value instanceof Date) {
    text = value.toISOString();
  } else if (value instanceof RegExp) {
    text = String(value);
  } else if (typeof value.then === 'function') {
    text = 'Promise { <pending> }';
  } else {
    const keys = Object.keys(value);
    const name = value.constructor && value.constructor.name && value.constructor.name !== 'Object' ? value.constructor.name + ' ' : '';
    text = keys.length === 0 ? name + '{}' : name + '{ ' + keys.slice(0, 100).map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)) + ': ' + inspect(value[k], depth + 1, seen)).join(', ') + ' }';
  }
  seen.delete(value);
  return text;
};
const format = (args) => {
  if (typeof args[0] === 'string' && /%[sdifjoO%]/.test(args[0])) {
    let i = 1;
    const head = args[0].replace(/%([sdifjoO%])/g, (m, f) => {
      if (f === '%') return '%';
      if (i >= args.length) return m;
      const a = args[i++];
      if (f === 's') return typeof a === 'string' ? a : inspect(a, 1, new Set());
      if (f === 'd' || f === 'i') return String(f === 'i' ? parseInt(a) : Number(a));
      if (f === 'f') return String(parseFloat(a));
      if (f === 'j') { try { return JSON.stringify(a); } catch { return '[Circular]'; } }
      return inspect(a, 1, new Set());
    });
    return [head, ...args.slice(i).map((a) => inspect(a, 0, new Set()))].join(' ');
  }
  return args.map((a) => inspect(a, 0, new Set())).join(' ');
};
const out = (stream) => (...args) => { emit(stream, format(args) + '\n'); };
const counts = new Map();
const timersStart = new Map();
const consoleObject = {
  log: out('stdout'), info: out('stdout'), debug: out('stdout'), trace: out('stderr'),
  warn: out('stderr'), error: out('stderr'), dir: (v) => emit('stdout', inspect(v, 0, new Set()) + '\n'),
  table: (rows) => emit('stdout', JSON.stringify(rows, null, 2) + '\n'),
  assert: (ok, ...args) => { if (!ok) emit('stderr', 'Assertion failed' + (args.length ? ': ' + format(args) : '') + '\n'); },
  count: (label = 'default') => { const n = (counts.get(label) || 0) + 1; counts.set(label, n); emit('stdout', label + ': ' + n + '\n'); },
  time: (label = 'default') => { timersStart.set(label, Date.now()); },
  timeEnd: (label = 'default') => { const s = timersStart.get(label); if (s !== undefined) emit('stdout', label + ': ' + (Date.now() - s) + 'ms\n'); timersStart.delete(label); },
  group: out('stdout'), groupEnd: () => {},
};
const callbacks = new Map();
let nextId = 1;
const schedule = (fn, ms, args, repeat) => {
  if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
  const id = nextId++;
  const delay = Math.max(0, Number(ms) || 0);
  callbacks.set(id, { fn, args, repeat, delay });
  setTimer(id, delay);
  return id;
};
const cancel = (id) => { if (callbacks.delete(id)) clearTimer(id); };
const lines = stdinText.length ? stdinText.split('\n') : [];
if (lines.length && lines[lines.length - 1] === '') lines.pop();
const define = (name, value) => Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
define('console', consoleObject);
define('setTimeout', (fn, ms, ...args) => schedule(fn, ms, args, false));
define('setInterval', (fn, ms, ...args) => schedule(fn, ms, args, true));
define('setImmediate', (fn, ...args) => schedule(fn, 0, args, false));
define('clearTimeout', cancel);
define('clearInterval', cancel);
define('clearImmediate', cancel);
define('queueMicrotask', (fn) => { Promise.resolve().then(fn); });
define('prompt', () => (lines.length ? lines.shift() : null));
define('__arenaFire', (id) => {
  const entry = callbacks.get(id);
  if (!entry) return false;
  if (!entry.repeat) callbacks.delete(id);
  entry.fn(...entry.args);
  if (entry.repeat && callbacks.has(id)) { setTimer(id, entry.delay); return true; }
  return false;
});
`;

const BOUNDARY = /\n\s*at \(<isolated-vm boundary>\)[\s\S]*$/;

const PROGRAM_FRAME = /\((?:main\.js|file:\/\/\/main\.mjs):\d+:\d+\)$|at (?:main\.js|file:\/\/\/main\.mjs):\d+:\d+$/;

/** The program's own frames only: nothing of the host (paths, worker code) is shown to the program's viewers. */
function describeError(error: unknown): string {
  if (error instanceof Error) {
    const [head = `${error.name}: ${error.message}`, ...frames] = (error.stack ?? `${error.name}: ${error.message}`)
      .replace(BOUNDARY, '')
      .split('\n');
    const own = frames.filter((line) => PROGRAM_FRAME.test(line.trim()));
    return [head, ...own].join('\n').replaceAll('file:///main.mjs', 'main.js');
  }
  return String(error);
}

class Run {
  private readonly isolate: ivm.Isolate;
  private readonly started = process.hrtime.bigint();
  private outputBytes = 0;
  private pending: { stream: 'stdout' | 'stderr'; data: string }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly hostTimers = new Map<number, NodeJS.Timeout>();
  private ended: { status: RunStatus; message?: string } | undefined;
  private peakMemory = 0;
  private catastrophic = false;
  private idleWaiter: (() => void) | undefined;
  private fire: ivm.Reference<(id: number) => boolean> | undefined;
  private context: ivm.Context | undefined;
  private readonly msg: WorkerRunMessage;
  /** This process's CPU time before the run: it runs one program at a time, so what it uses after is the run's. */
  private readonly cpuAtStart = process.cpuUsage();
  /** The run's CPU time when it was stopped. */
  private cpuAtStop: number | undefined;
  /** The worker process's RSS before the run: memory isolated-vm does not count shows as growth above it. */
  private readonly rssAtStart = process.memoryUsage.rss();
  private sampling = false;

  constructor(msg: WorkerRunMessage) {
    this.msg = msg;
    this.isolate = new ivm.Isolate({
      memoryLimit: Math.max(8, msg.limits.memoryMb),
      onCatastrophicError: (message) => {
        this.catastrophic = true;
        this.stop('internal_error', `the sandbox failed: ${message}`);
      },
    });
  }

  private elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e6;
  }

  /**
   * The run's CPU time as the kernel counts it for this process (the isolate's thread, V8's helper threads,
   * the little this loop adds). Not isolated-vm's `cpuTime`: during a call into the isolate that counts wall
   * time, so a program waiting for a busy machine's CPU, or asleep in `Atomics.wait`, was over its CPU limit.
   */
  private cpuMs(): number {
    const used = process.cpuUsage(this.cpuAtStart);
    return (used.user + used.system) / 1000;
  }

  /** End the run with a status at the first limit hit; disposing the isolate interrupts any running code. */
  private stop(status: RunStatus, message?: string): void {
    if (this.ended) return;
    this.ended = { status, ...(message ? { message } : {}) };
    this.cpuAtStop = this.cpuMs();
    for (const timer of this.hostTimers.values()) clearTimeout(timer);
    this.hostTimers.clear();
    if (!this.isolate.isDisposed) {
      try {
        this.isolate.dispose();
      } catch {
        // already disposing
      }
    }
    this.idleWaiter?.();
  }

  private emit(stream: 'stdout' | 'stderr', data: string): void {
    if (this.ended) return;
    const bytes = Buffer.byteLength(data);
    const room = this.msg.limits.outputBytes - this.outputBytes;
    if (bytes > room) {
      if (room > 0)
        this.queue(
          stream,
          Buffer.from(data)
            .subarray(0, room)
            .toString('utf8')
            .replace(/\uFFFD$/, ''),
        );
      this.outputBytes = this.msg.limits.outputBytes;
      this.flush();
      this.stop('output_limit', `output exceeded ${this.msg.limits.outputBytes} bytes`);
      return;
    }
    this.outputBytes += bytes;
    this.queue(stream, data);
  }

  private queue(stream: 'stdout' | 'stderr', data: string): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.stream === stream) last.data += data;
    else this.pending.push({ stream, data });
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const chunk of this.pending) send({ type: 'out', id: this.msg.id, stream: chunk.stream, data: chunk.data });
    this.pending = [];
  }

  private setTimer(id: number, delay: number): void {
    if (this.ended) return;
    if (this.hostTimers.size >= MAX_TIMERS) {
      this.emit('stderr', `RangeError: more than ${MAX_TIMERS} timers pending\n`);
      this.stop('runtime_error');
      return;
    }
    const timer = setTimeout(() => {
      this.hostTimers.delete(id);
      void this.fireTimer(id);
    }, delay);
    this.hostTimers.set(id, timer);
  }

  private clearTimer(id: number): void {
    const timer = this.hostTimers.get(id);
    if (timer) clearTimeout(timer);
    this.hostTimers.delete(id);
    if (this.hostTimers.size === 0) this.idleWaiter?.();
  }

  private async fireTimer(id: number): Promise<void> {
    if (this.ended || !this.fire) return;
    try {
      const fire = this.fire;
      await fire.apply(undefined, [id], { timeout: this.remainingWall() });
    } catch (error) {
      this.fail(error);
    }
    if (this.hostTimers.size === 0) this.idleWaiter?.();
  }

  private remainingWall(): number {
    return Math.max(1, Math.floor(this.msg.limits.wallMs - this.elapsedMs()));
  }

  private memoryExceeded(): void {
    this.stop('memory_limit', `memory limit of ${this.msg.limits.memoryMb} MB exceeded`);
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    if (/memory limit/i.test(String(error)) || this.isolate.isDisposed) {
      this.memoryExceeded();
      return;
    }
    if (/Script execution timed out/.test(String(error))) {
      this.stop('timeout', `wall-clock limit of ${this.msg.limits.wallMs} ms exceeded`);
      return;
    }
    this.emit('stderr', `Uncaught ${describeError(error)}\n`);
    this.stop('runtime_error');
  }

  /**
   * Runs on this process's own event loop, which the program never blocks (isolated-vm runs it on a thread
   * of its own): the CPU limit is enforced here (calls into the isolate get the wall-clock budget as their
   * time-out), and a program stuck where isolated-vm's time-out does not reach (an endless
   * `Error.prepareStackTrace` called while its error is copied out) is stopped here too.
   */
  private watch(): NodeJS.Timeout {
    return setInterval(() => {
      if (this.ended) return;
      if (this.cpuMs() > this.msg.limits.cpuMs) {
        this.stop('timeout', `CPU time limit of ${this.msg.limits.cpuMs} ms exceeded`);
        return;
      }
      if (this.elapsedMs() > this.msg.limits.wallMs) {
        this.stop('timeout', `wall-clock limit of ${this.msg.limits.wallMs} ms exceeded`);
        return;
      }
      // WebAssembly memories and a heap one builtin call carried past the cap show only here.
      const grown = process.memoryUsage.rss() - this.rssAtStart;
      if (grown > this.msg.memoryCapBytes) {
        this.peakMemory = Math.max(this.peakMemory, grown);
        this.memoryExceeded();
        return;
      }
      void this.sampleMemory();
    }, POLL_MS);
  }

  /** Asynchronous, one at a time: the synchronous call waits for the isolate, and would block this loop. */
  private async sampleMemory(): Promise<void> {
    if (this.sampling || this.isolate.isDisposed) return;
    this.sampling = true;
    try {
      const stats = await this.isolate.getHeapStatistics();
      this.peakMemory = Math.max(this.peakMemory, stats.used_heap_size + stats.externally_allocated_size);
    } catch {
      // disposed in between
    } finally {
      this.sampling = false;
    }
  }

  async execute(): Promise<WorkerDoneMessage> {
    const watcher = this.watch();
    let compiled = false;
    try {
      const context = await this.isolate.createContext();
      this.context = context;
      await context.evalClosure(
        BOOTSTRAP,
        [
          new ivm.Callback((stream: unknown, data: unknown) => {
            this.emit(stream === 'stderr' ? 'stderr' : 'stdout', String(data));
          }),
          new ivm.Callback((id: unknown, delay: unknown) => this.setTimer(Number(id), Number(delay))),
          new ivm.Callback((id: unknown) => this.clearTimer(Number(id))),
          this.msg.stdin,
        ],
        { arguments: { copy: true } },
      );
      this.fire = await context.global.get('__arenaFire', { reference: true });
      if (this.msg.sourceType === 'module') {
        const module = await this.isolate.compileModule(this.msg.code, { filename: 'file:///main.mjs' });
        compiled = true;
        await module.instantiate(context, (specifier) => {
          throw new Error(
            `Cannot import '${specifier}': JavaScript here runs without Node.js or npm packages (plain ECMAScript only)`,
          );
        });
        await module.evaluate({ timeout: this.remainingWall() });
      } else {
        const script = await this.isolate.compileScript(this.msg.code, { filename: 'main.js' });
        compiled = true;
        // The completion value is not the program's output: it stays in the isolate (a reference, released),
        // so an object there cannot fail the run. A promise is still awaited, so its rejection is reported.
        const completion = await script.run(context, {
          timeout: this.remainingWall(),
          promise: true,
          reference: true,
        });
        completion.release();
      }
      await this.idle();
    } catch (error) {
      if (!compiled && !this.ended && error instanceof SyntaxError) {
        this.emit('stderr', `${describeError(error)}\n`);
        this.stop('compile_error');
      } else {
        this.fail(error);
      }
    } finally {
      clearInterval(watcher);
    }
    this.flush();
    await this.sampleMemory();
    const cpuMs = this.cpuAtStop ?? this.cpuMs();
    const outcome = this.ended ?? { status: 'ok' as const };
    this.stop(outcome.status);
    this.fire?.release();
    this.context?.release();
    const done: WorkerDoneMessage = {
      type: 'done',
      id: this.msg.id,
      status: outcome.status,
      exitCode:
        outcome.status === 'ok'
          ? 0
          : outcome.status === 'runtime_error' || outcome.status === 'compile_error'
            ? 1
            : undefined,
      cpuMs,
      peakMemoryBytes: this.peakMemory,
      recycle: this.catastrophic || outcome.status === 'memory_limit' || outcome.status === 'internal_error',
    };
    if (outcome.message) done.message = outcome.message;
    return done;
  }

  private idle(): Promise<void> {
    if (this.hostTimers.size === 0 || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiter = () => {
        if (this.hostTimers.size === 0 || this.ended) {
          this.idleWaiter = undefined;
          resolve();
        }
      };
    });
  }
}

process.on('message', (message: ParentToWorker) => {
  if (message.type !== 'run') return;
  void new Run(message)
    .execute()
    .catch((error: unknown): WorkerDoneMessage => ({
      type: 'done',
      id: message.id,
      status: 'internal_error',
      message: describeError(error),
      cpuMs: 0,
      peakMemoryBytes: 0,
      recycle: true,
    }))
    .then((done) => send(done));
});

process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
