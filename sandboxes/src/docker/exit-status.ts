import type { RunLimits, RunResult } from '../types.js';

/** The container was killed with SIGKILL (128 + 9): the OOM killer, or the engine at a limit. */
export const EXIT_SIGKILL = 137;
/** SIGXCPU (128 + 24): the program used up its `ulimit -t` CPU time. */
export const EXIT_SIGXCPU = 152;
/** SIGXFSZ (128 + 25): the program wrote past the file-size ulimit. */
export const EXIT_SIGXFSZ = 153;

/** What one container run came to, as the runner saw it. */
export interface Outcome {
  exitCode?: number;
  /** The run's marker was printed: the compile step (if any) passed and the program itself started. */
  compiled: boolean;
  /** The runner ended the run itself, for this reason. */
  killedFor?: 'timeout' | 'output_limit' | 'cancelled';
  oomKilled: boolean;
  cpuMs?: number;
  peakMemoryBytes?: number;
}

/**
 * The run's status and message from how its container ended. `minMemoryMb` is the recipe's floor: the
 * container's memory limit is the larger of it and the requested one, and that is the limit reported.
 */
export function verdict(
  outcome: Outcome,
  limits: RunLimits,
  minMemoryMb: number,
): Omit<RunResult, 'durationMs' | 'runner'> {
  const base: Omit<RunResult, 'durationMs' | 'runner' | 'status'> = {};
  if (outcome.exitCode !== undefined) base.exitCode = outcome.exitCode;
  if (outcome.cpuMs !== undefined) base.cpuMs = outcome.cpuMs;
  if (outcome.peakMemoryBytes !== undefined) base.peakMemoryBytes = outcome.peakMemoryBytes;
  const memoryMb = Math.max(limits.memoryMb, minMemoryMb);
  if (outcome.killedFor === 'timeout')
    return { ...base, status: 'timeout', message: `wall-clock limit of ${limits.wallMs} ms exceeded` };
  if (outcome.killedFor === 'output_limit')
    return { ...base, status: 'output_limit', message: `output limit of ${limits.outputBytes} bytes exceeded` };
  if (outcome.killedFor === 'cancelled') return { ...base, status: 'internal_error', message: 'run cancelled' };
  if (outcome.oomKilled || (outcome.exitCode === EXIT_SIGKILL && !outcome.compiled))
    return { ...base, status: 'memory_limit', message: `memory limit of ${memoryMb} MB exceeded` };
  const cpuSpent = outcome.cpuMs !== undefined && outcome.cpuMs >= limits.cpuMs;
  if (outcome.exitCode === EXIT_SIGXCPU || (outcome.exitCode === EXIT_SIGKILL && cpuSpent && !outcome.oomKilled))
    return { ...base, status: 'timeout', message: `CPU time limit of ${limits.cpuMs} ms exceeded` };
  if (!outcome.compiled) {
    // The shell driver could not enter the work dir (120) or write a file (121).
    if (outcome.exitCode === 120 || outcome.exitCode === 121)
      return { ...base, status: 'internal_error', message: 'the sandbox could not write the program' };
    return { ...base, status: 'compile_error' };
  }
  if (outcome.exitCode === 0) return { ...base, status: 'ok' };
  if (outcome.exitCode === EXIT_SIGXFSZ)
    return { ...base, status: 'runtime_error', message: 'file size limit exceeded' };
  if (outcome.exitCode === EXIT_SIGKILL)
    return { ...base, status: 'memory_limit', message: `killed, most likely for memory (limit ${memoryMb} MB)` };
  return { ...base, status: 'runtime_error' };
}
