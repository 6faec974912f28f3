import { fork, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment, RunStatus } from '@arena/contracts';
import { runEnding } from '../result.js';
import { OutputGate } from '../output.js';
import { readRssBytes } from '../process-usage.js';
import { OutputFrameReader } from './output-frames.js';
import {
  DEFAULT_LIMITS,
  resolveLimits,
  type RunLimits,
  type RunOptions,
  type RunRequest,
  type RunResult,
  type Runner,
} from '../types.js';

export interface PyodideRunnerOptions {
  defaults?: RunLimits;
  /** Loaded interpreters kept ready (each serves one run). */
  spares?: number;
  /** Run the worker in a network namespace of its own (`unshare -rn`) when the system allows it. Default on. */
  isolateNetwork?: boolean;
  log?: (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;
}

type WorkerMessage =
  { type: 'ready' } | { type: 'done'; status: RunStatus; exitCode: number; cpuMs: number; message?: string };

interface Spare {
  child: ChildProcess;
  ready: Promise<boolean>;
  /** RSS once Pyodide has loaded: the program's memory is counted above it. */
  baselineBytes: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const workerFile = path.join(here, import.meta.url.endsWith('.ts') ? 'worker.ts' : 'worker.js');
const MEMORY_POLL_MS = 25;
/** stderr for the worker's own failures, IPC for control, fd 4 for the program's output (`output-frames`). */
const WORKER_STDIO: StdioOptions = ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'];

function pyodideDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('pyodide/package.json'));
}

let unshareWorks: boolean | undefined;
/** Whether an unprivileged user+network namespace can be made here (it cannot in some containers). */
function canUnshareNetwork(): boolean {
  unshareWorks ??= spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore', timeout: 2_000 }).status === 0;
  return unshareWorks;
}

/**
 * Python in Pyodide (CPython compiled to WebAssembly) for when no Docker engine answers: one worker
 * process per run, locked down with Node's permission model and an empty environment, in its own network
 * namespace where possible, hard-killed at the wall-clock limit or when its memory passes the limit.
 * Only the standard library is available (Pyodide's packages would need a download).
 */
export class PyodideRunner implements Runner {
  readonly kind = 'pyodide' as const;
  readonly isolation = 'wasm-process' as const;
  private readonly defaults: RunLimits;
  private readonly spares: Spare[] = [];
  private readonly live = new Set<ChildProcess>();
  private closed = false;
  readonly networkIsolated: boolean;

  constructor(private readonly options: PyodideRunnerOptions = {}) {
    this.defaults = options.defaults ?? DEFAULT_LIMITS;
    this.networkIsolated = (options.isolateNetwork ?? true) && canUnshareNetwork();
  }

  supports(environment: Environment): boolean {
    return environment === 'python';
  }

  async warm(): Promise<void> {
    this.refill();
    await Promise.all(this.spares.map((spare) => spare.ready));
  }

  private refill(): void {
    if (this.closed) return;
    while (this.spares.length < Math.max(1, this.options.spares ?? 2)) this.spares.push(this.spawn());
  }

  private spawn(): Spare {
    const node = process.execPath;
    const nodeArgs = [
      '--permission',
      `--allow-fs-read=${pyodideDir()}`,
      `--allow-fs-read=${here}`,
      '--disallow-code-generation-from-strings',
      '--disable-warning=SecurityWarning',
      '--disable-warning=ExperimentalWarning',
      '--max-old-space-size=512',
    ];
    const child = this.networkIsolated
      ? fork(workerFile, [], {
          execPath: 'unshare',
          execArgv: ['-rn', node, ...nodeArgs],
          env: {},
          stdio: WORKER_STDIO,
          serialization: 'advanced',
        })
      : fork(workerFile, [], {
          execArgv: nodeArgs,
          env: {},
          stdio: WORKER_STDIO,
          serialization: 'advanced',
        });
    this.live.add(child);
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-4_000);
    });
    const spare: Spare = { child, baselineBytes: 0, ready: Promise.resolve(false) };
    spare.ready = new Promise<boolean>((resolve) => {
      const onMessage = (message: WorkerMessage): void => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        void readRssBytes(child.pid).then((bytes) => {
          spare.baselineBytes = bytes ?? 0;
          resolve(true);
        });
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        this.live.delete(child);
        const index = this.spares.indexOf(spare);
        if (index !== -1 && !this.closed) {
          this.spares.splice(index, 1);
          this.options.log?.(
            'warn',
            { code, signal, stderr: stderr.slice(-500) },
            'Pyodide worker exited before a run',
          );
        }
        resolve(false);
      });
    });
    return spare;
  }

  async run(request: RunRequest, options: RunOptions = {}): Promise<RunResult> {
    const limits = resolveLimits(request.limits, this.defaults);
    const { finish, say, refuseMissing } = runEnding(this.kind, options);
    if (this.closed) return say('internal_error', 'the sandbox is shutting down');
    if (!this.supports(request.environment)) return say('unsupported', `Pyodide does not run ${request.environment}`);
    const refused = refuseMissing(
      request.installCommand,
      { pip: new Set() },
      'the Pyodide sandbox (standard library only)',
    );
    if (refused) return refused;
    this.refill();
    const spare = this.spares.shift();
    this.refill();
    if (!spare || !(await spare.ready)) return say('internal_error', 'the Python sandbox could not start');
    const { child } = spare;
    let killedFor: 'timeout' | 'output_limit' | 'memory_limit' | 'cancelled' | undefined;
    let peak = 0;
    const kill = (reason: NonNullable<typeof killedFor>): void => {
      killedFor ??= reason;
      child.kill('SIGKILL');
    };
    const gate = new OutputGate(limits.outputBytes, options.onOutput, () => kill('output_limit'));
    const limitBytes = limits.memoryMb * 1024 * 1024;
    const memory = setInterval(() => {
      void readRssBytes(child.pid).then((bytes = 0) => {
        const used = Math.max(0, bytes - spare.baselineBytes);
        peak = Math.max(peak, used);
        if (used > limitBytes) kill('memory_limit');
      });
    }, MEMORY_POLL_MS);
    const wall = setTimeout(() => kill('timeout'), limits.wallMs);
    const onAbort = (): void => kill('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const frames = new OutputFrameReader((stream, data) => gate.writeBytes(stream, data));
    const output = child.stdio[4];
    // Everything the program wrote is read before the run ends, also when it was killed at a limit.
    const outputRead = new Promise<void>((resolve) => {
      if (!output) return resolve();
      output.on('data', (chunk: Buffer) => frames.push(chunk));
      output.once('close', () => resolve());
    });
    const done = await new Promise<Extract<WorkerMessage, { type: 'done' }> | undefined>((resolve) => {
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'done') resolve(message);
      });
      child.once('exit', () => resolve(undefined));
      child.send({ type: 'run', code: request.code, stdin: request.stdin ?? '' });
    });
    clearInterval(memory);
    clearTimeout(wall);
    options.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      setTimeout(() => child.kill('SIGKILL'), 1_000).unref();
      await exited;
    }
    await outputRead;
    gate.end();
    const base = { ...(peak ? { peakMemoryBytes: peak } : {}) };
    if (killedFor === 'timeout')
      return finish({ ...base, status: 'timeout', message: `wall-clock limit of ${limits.wallMs} ms exceeded` });
    if (killedFor === 'output_limit')
      return finish({
        ...base,
        status: 'output_limit',
        message: `output limit of ${limits.outputBytes} bytes exceeded`,
      });
    if (killedFor === 'memory_limit')
      return finish({ ...base, status: 'memory_limit', message: `memory limit of ${limits.memoryMb} MB exceeded` });
    if (killedFor === 'cancelled') return finish({ ...base, status: 'internal_error', message: 'run cancelled' });
    if (!done) return say('internal_error', 'the Python sandbox process exited unexpectedly');
    return finish({
      ...base,
      status: done.status,
      exitCode: done.exitCode,
      cpuMs: Math.round(done.cpuMs),
      ...(done.message ? { message: done.message } : {}),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.live].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    this.spares.length = 0;
  }
}
