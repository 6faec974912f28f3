import type { RunLimits, RunResult } from '../types.js';

/** Killed with SIGKILL (128 + 9): by the OOM killer, at the hard CPU limit, or by the program itself. */
export const EXIT_SIGKILL = 137;
/** SIGXCPU (128 + 24): sent at the soft `ulimit -t` CPU time; a program may also just exit with 152. */
export const EXIT_SIGXCPU = 152;
/** SIGXFSZ (128 + 25): the program wrote past the file-size ulimit. */
export const EXIT_SIGXFSZ = 153;

/** Fatal signals a program dies of by itself, by the exit code a shell reports for them (128 + signal). */
const FATAL_SIGNALS: ReadonlyMap<number, string> = new Map([
  [128 + 4, 'Illegal instruction (signal 4)'],
  [128 + 5, 'Trace/breakpoint trap (signal 5)'],
  [128 + 6, 'Aborted (signal 6)'],
  [128 + 7, 'Bus error (signal 7)'],
  [128 + 8, 'Floating point exception (signal 8)'],
  [128 + 11, 'Segmentation fault (signal 11)'],
  [128 + 31, 'Bad system call (signal 31)'],
]);

/**
 * The share of the CPU limit a program must be measured to have used for a 152 or 137 to count as the
 * kernel's CPU limit. Not all of it: the kernel samples CPU time at its ticks for `ulimit -t` and the
 * cgroup counts it exactly, and on a busy machine the two part further (a program sent SIGXCPU at 1 s
 * measured 972 ms here when idle, 904–942 ms at load 8, and under 750 ms in fresh-clone CI runs, where such
 * a time-out was judged a runtime error). A program that exits 152 itself after a few milliseconds, or with
 * a long compile behind it, is far below half.
 */
const CPU_EVIDENCE_SHARE = 0.5;

/** What one container run came to, as the runner saw it. */
export interface Outcome {
  exitCode?: number;
  /** The run's marker was printed: the compile step (if any) passed and the program itself started. */
  compiled: boolean;
  /** The runner ended the run itself, for this reason. */
  killedFor?: 'timeout' | 'output_limit' | 'cancelled';
  /**
   * Whether the kernel's OOM killer ended a process of the run: the container cgroup's `oom_kill` count,
   * or the engine's `State.OOMKilled`. Undefined when neither can tell (a remote engine that did not say so).
   */
  oomKilled?: boolean;
  /** The container's CPU time, the compile step included. */
  cpuMs?: number;
  /** The container's CPU time since the program started (the marker): what its `ulimit -t` counts. */
  programCpuMs?: number;
  peakMemoryBytes?: number;
  /** Whether the pids limit refused a fork during the run (undefined when the cgroup could not tell). */
  pidsLimitHit?: boolean;
}

/** The whole CPU seconds `ulimit -t` gives the program: SIGXCPU at these, SIGKILL one second later. */
export function cpuLimitSeconds(limits: RunLimits): number {
  return Math.max(1, Math.ceil(limits.cpuMs / 1000));
}

/**
 * Whether the program used the CPU time at which the kernel sends this exit code's signal (SIGXCPU at the
 * soft limit, SIGKILL at the hard one): its own share when that was measured, else the container's (the
 * compile step included). Undefined when no CPU time was measured.
 */
function reachedCpuLimit(outcome: Outcome, limits: RunLimits, exitCode: number): boolean | undefined {
  const limitMs = (cpuLimitSeconds(limits) + (exitCode === EXIT_SIGKILL ? 1 : 0)) * 1000;
  const used = outcome.programCpuMs ?? outcome.cpuMs;
  return used === undefined ? undefined : used >= CPU_EVIDENCE_SHARE * limitMs;
}

/**
 * The run's status and message from how its container ended. An exit code alone says little (a program
 * may `exit(137)`), so the kernel's evidence decides: an OOM kill counted in the container's cgroup is
 * `memory_limit`; 152 or 137 is a CPU time-out only if the program used the CPU time at which the kernel
 * sends that signal; otherwise it is the program's own exit code. Only when there is no evidence at all
 * (a remote engine) is the exit code read as the signal it usually is. `minMemoryMb` is the recipe's
 * floor: the container's memory limit is the larger of it and the requested one, and that is the limit
 * reported.
 */
export function verdict(
  outcome: Outcome,
  limits: RunLimits,
  minMemoryMb: number,
): Omit<RunResult, 'durationMs' | 'runner'> {
  const base: Omit<RunResult, 'durationMs' | 'runner' | 'status'> = {};
  const { exitCode } = outcome;
  if (exitCode !== undefined) base.exitCode = exitCode;
  if (outcome.cpuMs !== undefined) base.cpuMs = outcome.cpuMs;
  if (outcome.peakMemoryBytes !== undefined) base.peakMemoryBytes = outcome.peakMemoryBytes;
  const memoryMb = Math.max(limits.memoryMb, minMemoryMb);
  if (outcome.killedFor === 'timeout')
    return { ...base, status: 'timeout', message: `wall-clock limit of ${limits.wallMs} ms exceeded` };
  if (outcome.killedFor === 'output_limit')
    return { ...base, status: 'output_limit', message: `output limit of ${limits.outputBytes} bytes exceeded` };
  if (outcome.killedFor === 'cancelled') return { ...base, status: 'internal_error', message: 'run cancelled' };
  if (outcome.oomKilled === true && exitCode !== 0)
    return { ...base, status: 'memory_limit', message: `memory limit of ${memoryMb} MB exceeded` };
  const blindKill = outcome.oomKilled === undefined && exitCode === EXIT_SIGKILL;
  if (!outcome.compiled && blindKill)
    return { ...base, status: 'memory_limit', message: `killed, most likely for memory (limit ${memoryMb} MB)` };
  if (outcome.compiled && (exitCode === EXIT_SIGXCPU || exitCode === EXIT_SIGKILL)) {
    const cpuSpent = reachedCpuLimit(outcome, limits, exitCode);
    // No CPU time measured: SIGXCPU is what a 152 usually is; a 137 is left to the memory guess below.
    if (cpuSpent === true || (cpuSpent === undefined && exitCode === EXIT_SIGXCPU))
      return { ...base, status: 'timeout', message: `CPU time limit of ${limits.cpuMs} ms exceeded` };
  }
  if (!outcome.compiled) {
    // The shell driver could not enter the work dir (120) or write a file (121).
    if (exitCode === 120 || exitCode === 121)
      return { ...base, status: 'internal_error', message: 'the sandbox could not write the program' };
    return { ...base, status: 'compile_error' };
  }
  if (exitCode === 0) return { ...base, status: 'ok' };
  if (exitCode === EXIT_SIGXFSZ) return { ...base, status: 'runtime_error', message: 'file size limit exceeded' };
  if (blindKill)
    return { ...base, status: 'memory_limit', message: `killed, most likely for memory (limit ${memoryMb} MB)` };
  const signal = exitCode === undefined ? undefined : FATAL_SIGNALS.get(exitCode);
  return { ...base, status: 'runtime_error', ...(signal ? { message: signal } : {}) };
}
