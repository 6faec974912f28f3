import type { Environment, Isolation, RunnerKind, RunStatus } from '@arena/contracts';

export interface RunLimits {
  /** Wall-clock budget for the whole run, compile included. */
  wallMs: number;
  /** CPU time the program may use (the compile step has its own, larger allowance inside the wall budget). */
  cpuMs: number;
  memoryMb: number;
  /** stdout + stderr bytes kept; past this the run ends with `output_limit`. */
  outputBytes: number;
  /** Processes and threads the program may have at once (container runners). */
  processes: number;
}

export const DEFAULT_LIMITS: RunLimits = {
  wallMs: 10_000,
  cpuMs: 5_000,
  memoryMb: 128,
  outputBytes: 64 * 1024,
  processes: 64,
};

export interface RunRequest {
  environment: Environment;
  /** The program: the entry file's contents. */
  code: string;
  /** Further files beside the entry, by relative path (no `..`, no absolute paths). */
  files?: Record<string, string>;
  stdin?: string;
  /** The answer's install block (`pip install …`, `npm i …`); checked against what the sandbox has. */
  installCommand?: string;
  limits?: Partial<RunLimits>;
  /**
   * Who a live app belongs to (the backend passes `<battleId>:<turn>:<side>`): a new app of the same owner
   * replaces the old one, and `LiveApps.closeBattle` gives the apps of a battle their last minutes.
   */
  appOwner?: string;
  /**
   * `false`: never run as a live app, whatever the program imports (a harness that serves from inside the
   * program, judged by its exit status: `arena eval`'s mock APIs). Default: a program that serves is an app.
   */
  app?: boolean;
}

export type OutputStream = 'stdout' | 'stderr';
export interface OutputChunk {
  stream: OutputStream;
  data: string;
}

/**
 * What a run rendered: a self-contained page the browser renders in a sandboxed iframe (web environments),
 * or a live app or virtual display in its own container, served at `url` on the arena's origin (a path,
 * `/api/apps/<token>/`) until it is removed; `expiresAt` is when that happens at the latest, when known.
 */
export type RunPreview =
  | { kind: 'html'; html: string }
  | { kind: 'app'; url: string; expiresAt?: number }
  /** `control`: the token that reaches the display's full-control VNC server; the backend keeps it from the room. */
  | { kind: 'display'; url: string; expiresAt?: number; control?: string };

export interface RunResult {
  status: RunStatus;
  exitCode?: number;
  durationMs: number;
  cpuMs?: number;
  peakMemoryBytes?: number;
  /** Why the run ended when it did not end on its own (limit, unsupported environment, …). */
  message?: string;
  runner: RunnerKind;
  preview?: RunPreview;
}

/** A figure the program drew (Matplotlib's `plt.show()`, or still open at exit): a PNG, in the order drawn. */
export interface RunFigureImage {
  /** 0, 1, … in the order the program showed them. */
  index: number;
  png: Buffer;
  width: number;
  height: number;
}

export interface RunOptions {
  onOutput?: (chunk: OutputChunk) => void;
  /**
   * A figure, called between the `onOutput` chunks printed before and after it (Python in Docker only; capped,
   * see `FIGURE_CAPS`).
   */
  onFigure?: (figure: RunFigureImage) => void;
  signal?: AbortSignal;
}

export interface Runner {
  readonly kind: RunnerKind;
  readonly isolation: Isolation;
  supports(environment: Environment): boolean;
  run(request: RunRequest, options?: RunOptions): Promise<RunResult>;
  close(): Promise<void>;
}

export function resolveLimits(limits: Partial<RunLimits> | undefined, defaults: RunLimits = DEFAULT_LIMITS): RunLimits {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(limits ?? {}) as [keyof RunLimits, number | undefined][])
    if (value !== undefined) out[key] = value;
  return out;
}
