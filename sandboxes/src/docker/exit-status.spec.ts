import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type RunLimits } from '../types.js';
import { cpuLimitSeconds, EXIT_SIGKILL, EXIT_SIGXCPU, EXIT_SIGXFSZ, verdict, type Outcome } from './exit-status.js';

const limits: RunLimits = { ...DEFAULT_LIMITS, wallMs: 10_000, cpuMs: 5_000, memoryMb: 128, outputBytes: 65_536 };
const ran = (outcome: Partial<Outcome>): Outcome => ({ compiled: true, ...outcome });

describe('exit status of a container run', () => {
  it('maps the exit signals to their limits', () => {
    expect(EXIT_SIGKILL).toBe(128 + 9);
    expect(EXIT_SIGXCPU).toBe(128 + 24);
    expect(EXIT_SIGXFSZ).toBe(128 + 25);
  });

  it('a clean exit is ok and keeps exit code, CPU time and peak memory', () => {
    expect(verdict(ran({ exitCode: 0, cpuMs: 12, peakMemoryBytes: 3_000_000 }), limits, 64)).toEqual({
      status: 'ok',
      exitCode: 0,
      cpuMs: 12,
      peakMemoryBytes: 3_000_000,
    });
    expect(verdict(ran({ exitCode: 3 }), limits, 64)).toEqual({ status: 'runtime_error', exitCode: 3 });
  });

  it('a run the runner stopped ends for the reason it stopped it, whatever the exit code', () => {
    expect(verdict(ran({ killedFor: 'timeout', exitCode: 137, oomKilled: true }), limits, 64)).toEqual({
      status: 'timeout',
      exitCode: 137,
      message: 'wall-clock limit of 10000 ms exceeded',
    });
    expect(verdict(ran({ killedFor: 'output_limit' }), limits, 64)).toEqual({
      status: 'output_limit',
      message: 'output limit of 65536 bytes exceeded',
    });
    expect(verdict(ran({ killedFor: 'cancelled' }), limits, 64)).toEqual({
      status: 'internal_error',
      message: 'run cancelled',
    });
  });

  it('an OOM kill is memory_limit at the larger of the requested and the recipe memory', () => {
    expect(verdict(ran({ exitCode: 137, oomKilled: true }), limits, 64)).toMatchObject({
      status: 'memory_limit',
      message: 'memory limit of 128 MB exceeded',
    });
    expect(verdict(ran({ exitCode: 137, oomKilled: true }), limits, 512).message).toBe(
      'memory limit of 512 MB exceeded',
    );
    // A child the OOM killer took, and the program failed for it; or it carried on and succeeded.
    expect(verdict(ran({ exitCode: 1, oomKilled: true }), limits, 64).status).toBe('memory_limit');
    expect(verdict(ran({ exitCode: 0, oomKilled: true }), limits, 64).status).toBe('ok');
    // Killed while compiling: the compiler ran out of memory.
    expect(verdict(ran({ exitCode: 137, compiled: false, oomKilled: true }), limits, 64).status).toBe('memory_limit');
  });

  it('the CPU limit is the whole seconds `ulimit -t` gives', () => {
    expect(cpuLimitSeconds({ ...limits, cpuMs: 5_000 })).toBe(5);
    expect(cpuLimitSeconds({ ...limits, cpuMs: 1_500 })).toBe(2);
    expect(cpuLimitSeconds({ ...limits, cpuMs: 10 })).toBe(1);
  });

  it('SIGXCPU at the soft CPU limit, or SIGKILL at the hard one a second later, is a CPU time-out when the CPU was spent', () => {
    const cpu = { status: 'timeout', message: 'CPU time limit of 5000 ms exceeded' };
    expect(verdict(ran({ exitCode: 152, cpuMs: 5_100, programCpuMs: 4_950 }), limits, 64)).toMatchObject(cpu);
    // The kernel's tick-sampled CPU time reaches the limit before the cgroup's exact count does.
    expect(verdict(ran({ exitCode: 152, cpuMs: 4_860, programCpuMs: 4_800 }), limits, 64)).toMatchObject(cpu);
    // On a busy machine the two part further (a 1 s limit measured under 750 ms in CI runs).
    expect(verdict(ran({ exitCode: 152, cpuMs: 3_100, programCpuMs: 3_000 }), limits, 64)).toMatchObject(cpu);
    expect(
      verdict(ran({ exitCode: 137, cpuMs: 6_100, programCpuMs: 5_990, oomKilled: false }), limits, 64),
    ).toMatchObject(cpu);
    // Without the program's own share, the container's CPU time (compile included) is the evidence.
    expect(verdict(ran({ exitCode: 152, cpuMs: 5_000 }), limits, 64)).toMatchObject(cpu);
  });

  it('a program that exits 152 or 137 itself, with CPU and memory to spare, is a runtime error with its exit code', () => {
    expect(verdict(ran({ exitCode: 152, cpuMs: 29, programCpuMs: 2, oomKilled: false }), limits, 64)).toEqual({
      status: 'runtime_error',
      exitCode: 152,
      cpuMs: 29,
    });
    expect(verdict(ran({ exitCode: 137, cpuMs: 30, programCpuMs: 2, oomKilled: false }), limits, 64)).toEqual({
      status: 'runtime_error',
      exitCode: 137,
      cpuMs: 30,
    });
    // A long compile does not make a quick exit(152) a time-out: the program's own CPU time decides.
    expect(verdict(ran({ exitCode: 152, cpuMs: 9_000, programCpuMs: 40 }), limits, 64).status).toBe('runtime_error');
    expect(
      verdict(ran({ exitCode: 137, cpuMs: 2_000, programCpuMs: 1_900, oomKilled: false }), limits, 64).status,
    ).toBe('runtime_error');
    // Before the marker: a compiler that exits 137 without an OOM kill is a compile error.
    expect(verdict(ran({ exitCode: 137, compiled: false, oomKilled: false }), limits, 64).status).toBe('compile_error');
  });

  it('with no evidence to go on (a remote engine that says nothing), the exit code is read as before, and says so', () => {
    expect(verdict(ran({ exitCode: 152 }), limits, 64)).toMatchObject({ status: 'timeout' });
    expect(verdict(ran({ exitCode: 137 }), limits, 64)).toMatchObject({
      status: 'memory_limit',
      message: 'killed, most likely for memory (limit 128 MB)',
    });
    expect(verdict(ran({ exitCode: 137, compiled: false }), limits, 64).status).toBe('memory_limit');
  });

  it('a fatal signal names itself', () => {
    expect(verdict(ran({ exitCode: 139 }), limits, 64)).toEqual({
      status: 'runtime_error',
      exitCode: 139,
      message: 'Segmentation fault (signal 11)',
    });
    expect(verdict(ran({ exitCode: 134 }), limits, 64).message).toBe('Aborted (signal 6)');
    expect(verdict(ran({ exitCode: 136 }), limits, 64).message).toBe('Floating point exception (signal 8)');
    expect(verdict(ran({ exitCode: 135 }), limits, 64).message).toBe('Bus error (signal 7)');
    expect(verdict(ran({ exitCode: 3 }), limits, 64).message).toBeUndefined();
  });

  it('before the marker: the driver failing to write is internal, anything else a compile error', () => {
    expect(verdict(ran({ exitCode: 120, compiled: false }), limits, 64)).toEqual({
      status: 'internal_error',
      exitCode: 120,
      message: 'the sandbox could not write the program',
    });
    expect(verdict(ran({ exitCode: 121, compiled: false }), limits, 64).status).toBe('internal_error');
    expect(verdict(ran({ exitCode: 1, compiled: false }), limits, 64)).toEqual({
      status: 'compile_error',
      exitCode: 1,
    });
    // After the marker, the same codes are the program's own.
    expect(verdict(ran({ exitCode: 120 }), limits, 64).status).toBe('runtime_error');
  });

  it('SIGXFSZ is a runtime error that names the file size limit', () => {
    expect(verdict(ran({ exitCode: 153 }), limits, 64)).toEqual({
      status: 'runtime_error',
      exitCode: 153,
      message: 'file size limit exceeded',
    });
  });
});
