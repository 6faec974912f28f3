import { afterEach, describe, expect, it } from 'vitest';
import {
  describeCompilerDeath,
  MIN_TRANSFORM_MEMORY_MB,
  TransformService,
  type TransformServiceOptions,
  type TransformWorkerEvent,
} from './transform-service.js';
import type { TransformJob } from './protocol.js';

const ts = (code: string): TransformJob => ({
  op: 'transform',
  code,
  loader: 'ts',
  format: 'esm',
  target: 'es2023',
  sourcefile: 'main.ts',
});

/** Seconds of esbuild's time (nesting is quadratic to check) in a few hundred MB: a valid, slow program. */
const slowCheck: TransformJob = {
  ...ts('{'.repeat(20_000) + '}'.repeat(20_000)),
  loader: 'js',
  sourcefile: 'main.js',
  checkOnly: true,
};

const services: TransformService[] = [];
function service(options: TransformServiceOptions = {}) {
  const events: TransformWorkerEvent[] = [];
  const created = new TransformService({ size: 1, ...options, onWorkerEvent: (e) => events.push(e) });
  services.push(created);
  return { service: created, events };
}
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

describe('describeCompilerDeath', () => {
  it('names the limit from what Go or Node printed as they died', () => {
    expect(describeCompilerDeath('fatal error: out of memory allocating heap arena metadata', 1536)).toBe(
      'the compiler ran out of its 1536 MB of memory on this program and was stopped',
    );
    expect(describeCompilerDeath('fatal error: runtime: cannot allocate memory', 1536)).toMatch(/out of its 1536 MB/);
    expect(describeCompilerDeath('FATAL ERROR: Reached heap limit Allocation failed', 1536)).toMatch(/memory/);
    expect(describeCompilerDeath('runtime: goroutine stack exceeds 1000000000-byte limit', 1536)).toBe(
      'the program nests too deeply for the compiler, which was stopped',
    );
    expect(describeCompilerDeath('Error: Cannot create a string longer than 0x1fffffe8 characters', 1536)).toMatch(
      /too large to hold/,
    );
    expect(describeCompilerDeath('Error: The service was stopped', 1536)).toBe(
      'the compiler crashed on this program and was stopped',
    );
  });
});

describe('TransformService', () => {
  it('refuses limits it cannot run with', () => {
    expect(() => new TransformService({ memoryMb: MIN_TRANSFORM_MEMORY_MB - 1 })).toThrow(/at least/);
    expect(() => new TransformService({ timeoutMs: 0 })).toThrow(/timeoutMs must be a positive integer/);
  });

  it('transpiles TypeScript in a worker, and a syntax error comes back as the program’s, with its place', async () => {
    const { service: s } = service();
    expect(await s.run(ts('const n: number = 42;\nconsole.log(n);'))).toEqual({
      ok: true,
      value: { code: 'const n = 42;\nconsole.log(n);\n' },
    });
    const broken = await s.run(ts('let x: number = ;'));
    expect(broken).toMatchObject({ ok: false, errors: [{ location: { line: 1 } }] });
    expect(broken.ok || broken.errors[0]!.limit).toBeFalsy();
  });

  it('refuses a program past the size cap before any worker starts, naming both sizes', async () => {
    const { service: s, events } = service({ maxInputBytes: 1024 });
    expect(await s.run(ts('x'.repeat(2048)))).toEqual({
      ok: false,
      errors: [
        { text: 'the program is 2.0 KB; the arena compiles programs of up to 1.0 KB', location: null, limit: true },
      ],
    });
    expect(events).toEqual([]);
  });

  it('refuses compiled output past its cap', async () => {
    const { service: s } = service({ maxOutputBytes: 1024 });
    const reply = await s.run(ts(`const s: string = ${JSON.stringify('a'.repeat(2000))};`));
    expect(reply).toMatchObject({ ok: false, errors: [{ limit: true }] });
    expect(reply.ok || reply.errors[0]!.text).toBe(
      'the compiled program is 2.0 KB, more than the arena keeps (1.0 KB)',
    );
  });

  it('stops a compile at its time limit, and the next compile gets a fresh worker', async () => {
    const { service: s, events } = service({ timeoutMs: 300 });
    await s.warm();
    const slow = await s.run(slowCheck);
    expect(slow).toEqual({
      ok: false,
      errors: [{ text: 'the compiler did not finish within 0.3 s and was stopped', location: null, limit: true }],
    });
    expect(events.filter((e) => e.kind === 'kill').map((e) => e.reason)).toEqual(['timeout']);
    expect(await s.run(ts('const a: number = 1;'))).toMatchObject({ ok: true });
    expect(events.filter((e) => e.kind === 'spawn')).toHaveLength(2);
  });

  it('ends the compile of a worker killed under it, and starts another for the next', async () => {
    const { service: s, events } = service();
    await s.warm();
    const pid = events.find((e) => e.kind === 'spawn')?.pid;
    expect(pid).toBeTypeOf('number');
    // Handed to that worker at once (it is ready) and seconds long, so its death is this compile's.
    const pending = s.run(slowCheck);
    process.kill(pid!, 'SIGKILL');
    expect(await pending).toEqual({
      ok: false,
      errors: [{ text: 'the compiler crashed on this program and was stopped', location: null, limit: true }],
    });
    expect(await s.run(ts('const b: number = 2;'))).toMatchObject({ ok: true });
  });

  it('answers every compile after close() with a shutdown error', async () => {
    const { service: s } = service();
    await s.warm();
    await s.close();
    expect(await s.run(ts('const a = 1;'))).toMatchObject({
      ok: false,
      errors: [{ text: 'the arena is shutting down' }],
    });
  });
});
