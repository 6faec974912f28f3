import type { Environment, RunnerKind, RunStatus } from '@arena/contracts';

export interface RunLimits {
  /** Wall-clock budget for the whole run, compile included. */
  wallMs: number;
  /** CPU time the program may use. */
  cpuMs: number;
  memoryMb: number;
  /** stdout + stderr bytes kept; past this the run ends with `output_limit`. */
  outputBytes: number;
}

export const DEFAULT_LIMITS: RunLimits = { wallMs: 10_000, cpuMs: 5_000, memoryMb: 128, outputBytes: 64 * 1024 };

export interface RunRequest {
  environment: Environment;
  code: string;
  stdin?: string;
  limits?: Partial<RunLimits>;
}

export type OutputStream = 'stdout' | 'stderr';
export interface OutputChunk {
  stream: OutputStream;
  data: string;
}

export interface RunResult {
  status: RunStatus;
  exitCode?: number;
  durationMs: number;
  cpuMs?: number;
  peakMemoryBytes?: number;
  /** Why the run ended when it did not end on its own (limit, unsupported environment, …). */
  message?: string;
  runner: RunnerKind;
}

export interface RunOptions {
  onOutput?: (chunk: OutputChunk) => void;
  signal?: AbortSignal;
}

export interface Runner {
  readonly kind: RunnerKind;
  supports(environment: Environment): boolean;
  run(request: RunRequest, options?: RunOptions): Promise<RunResult>;
  close(): Promise<void>;
}

export function resolveLimits(limits: Partial<RunLimits> | undefined, defaults: RunLimits = DEFAULT_LIMITS): RunLimits {
  return { ...defaults, ...(limits ?? {}) };
}
