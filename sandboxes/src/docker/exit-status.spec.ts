import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type RunLimits } from '../types.js';
import { EXIT_SIGKILL, EXIT_SIGXCPU, EXIT_SIGXFSZ, verdict, type Outcome } from './exit-status.js';

const limits: RunLimits = { ...DEFAULT_LIMITS, wallMs: 10_000, cpuMs: 5_000, memoryMb: 128, outputBytes: 65_536 };
const ran = (outcome: Partial<Outcome>): Outcome => ({ compiled: true, oomKilled: false, ...outcome });

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
    // Killed while compiling: the compiler ran out of memory.
    expect(verdict(ran({ exitCode: 137, compiled: false }), limits, 64).status).toBe('memory_limit');
  });

  it('SIGXCPU, or a SIGKILL after the CPU budget was spent, is a CPU time-out', () => {
    const cpu = { status: 'timeout', message: 'CPU time limit of 5000 ms exceeded' };
    expect(verdict(ran({ exitCode: 152 }), limits, 64)).toMatchObject(cpu);
    expect(verdict(ran({ exitCode: 137, cpuMs: 5_000 }), limits, 64)).toMatchObject(cpu);
    expect(verdict(ran({ exitCode: 137, cpuMs: 4_999 }), limits, 64)).toMatchObject({
      status: 'memory_limit',
      message: 'killed, most likely for memory (limit 128 MB)',
    });
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
