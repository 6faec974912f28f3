import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputChunk, RunRequest } from '../types.js';
import { IsolatedVmRunner } from './isolated-vm.runner.js';

const limits = { wallMs: 3_000, cpuMs: 1_000, memoryMb: 32, outputBytes: 4_096 };
let runner: IsolatedVmRunner;
let killed = 0;
/** Runs the pool had to end by killing a worker it no longer heard from. */
let backstops = 0;

beforeAll(async () => {
  runner = new IsolatedVmRunner({
    size: 2,
    onWorkerEvent: (event) => {
      if (event.kind === 'kill') killed += 1;
      if (event.kind === 'kill' && event.reason === 'wall-clock backstop') backstops += 1;
    },
  });
  await runner.warm();
});
afterAll(async () => {
  await runner.close();
});

async function run(request: Omit<RunRequest, 'limits'> & { limits?: Partial<typeof limits> }) {
  const chunks: OutputChunk[] = [];
  const result = await runner.run(
    { ...request, limits: { ...limits, ...request.limits } },
    { onOutput: (c) => chunks.push(c) },
  );
  const stdout = chunks
    .filter((c) => c.stream === 'stdout')
    .map((c) => c.data)
    .join('');
  const stderr = chunks
    .filter((c) => c.stream === 'stderr')
    .map((c) => c.data)
    .join('');
  return { result, stdout, stderr };
}

describe('IsolatedVmRunner', () => {
  it('runs JavaScript and captures console output, timers included', async () => {
    const { result, stdout } = await run({
      environment: 'javascript',
      code: 'console.log("sum", [1,2,3].reduce((a,b)=>a+b)); setTimeout(() => console.log({ done: true }), 20);',
    });
    expect(result.status).toBe('ok');
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('sum 6\n{ done: true }\n');
  });

  it('transpiles TypeScript on the host and runs it', async () => {
    const { result, stdout } = await run({
      environment: 'typescript',
      code: 'interface P { x: number }\nconst p: P = { x: 2 };\nconsole.log(p.x * 21);\nexport {};',
    });
    expect(result.status).toBe('ok');
    expect(stdout).toBe('42\n');
  });

  it('reports TypeScript syntax errors and JavaScript syntax errors as compile_error', async () => {
    const ts = await run({ environment: 'typescript', code: 'const x: number = ;' });
    expect(ts.result.status).toBe('compile_error');
    expect(ts.stderr).toMatch(/main\.ts:1:\d+/);
    const js = await run({ environment: 'javascript', code: 'console.log("a"' });
    expect(js.result.status).toBe('compile_error');
    expect(js.stderr).toMatch(/main\.js:1:\d+ - SyntaxError/);
  });

  it("reports a thrown error as runtime_error with only the program's own frames", async () => {
    const { result, stderr } = await run({
      environment: 'javascript',
      code: 'function f() { throw new Error("boom") }\nf();',
    });
    expect(result.status).toBe('runtime_error');
    expect(result.exitCode).toBe(1);
    expect(stderr).toContain('Error: boom');
    expect(stderr).toContain('main.js:1');
    expect(stderr).not.toContain('worker');
    expect(stderr).not.toContain('/work');
  });

  it('ends a busy loop at the CPU limit', async () => {
    const { result } = await run({ environment: 'javascript', code: 'while (true) {}', limits: { cpuMs: 300 } });
    expect(result.status).toBe('timeout');
    expect(result.message).toMatch(/CPU/);
  });

  it('the CPU limit counts CPU time, not time spent waiting: a program asleep past it still ends ok', async () => {
    const { result, stdout } = await run({
      environment: 'javascript',
      code: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);\nconsole.log("woke");',
      limits: { cpuMs: 300, wallMs: 3_000 },
    });
    expect(result.status, result.message).toBe('ok');
    expect(stdout).toBe('woke\n');
  });

  it('ends an endless interval at the wall-clock limit', async () => {
    const { result } = await run({
      environment: 'javascript',
      code: 'setInterval(() => {}, 5)',
      limits: { wallMs: 400 },
    });
    expect(result.status).toBe('timeout');
    expect(result.message).toMatch(/wall-clock/);
  });

  it('ends an allocation bomb with memory_limit and replaces the worker', async () => {
    const before = killed;
    const { result } = await run({
      environment: 'javascript',
      code: 'const a = []; while (true) a.push("x".repeat(1024) + Math.random());',
    });
    expect(result.status).toBe('memory_limit');
    expect(killed).toBe(before + 1);
    const after = await run({ environment: 'javascript', code: 'console.log("alive")' });
    expect(after.stdout).toBe('alive\n');
  });

  // A module whose own memory (1 GiB, not exported) is filled by one `memory.fill`: isolated-vm counts none of it.
  const WASM_FILL_1GIB = [
    '0,97,115,109,1,0,0,0', // magic, version
    '1,4,1,96,0,0', // type: () -> ()
    '3,2,1,0', // one function of that type
    '5,5,1,0,128,128,1', // memory: 16384 pages
    '7,8,1,4,102,105,108,108,0,0', // export "fill"
    '10,17,1,15,0,65,0,65,1,65,128,128,128,128,4,252,11,0,11', // memory.fill(0, 1, 1 GiB)
  ].join(',');

  it.each([
    [
      'two filled 1 GiB WebAssembly.Memory objects',
      'const ms = []; for (let i = 0; i < 2; i++) { const m = new WebAssembly.Memory({ initial: 16384 }); new Uint8Array(m.buffer).fill(1); ms.push(m); } console.log("survived", ms.length);',
    ],
    [
      "a module's own 1 GiB memory filled by one instruction",
      `new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([${WASM_FILL_1GIB}]))).exports.fill(); console.log("survived");`,
    ],
    [
      'a dictionary-mode array filled by one builtin call',
      'const a = new Array(1e9).fill(0); console.log("survived", a.length);',
    ],
  ])(
    'memory isolated-vm does not count (%s) still ends memory_limit, and the next run works',
    async (_, code) => {
      const { result, stdout } = await run({
        environment: 'javascript',
        code,
        limits: { memoryMb: 64, cpuMs: 30_000, wallMs: 40_000 },
      });
      expect(stdout).not.toContain('survived');
      expect(result.status, JSON.stringify(result)).toBe('memory_limit');
      expect(result.message).toMatch(/memory limit of 64 MB exceeded/);
      const after = await run({ environment: 'javascript', code: 'console.log("alive")' });
      expect(after.stdout).toBe('alive\n');
    },
    60_000,
  );

  it('a last expression that is an object does not fail the run', async () => {
    for (const code of ['({ a: 1 })', 'const o = { f() {} }; o', '[new Map(), Promise.resolve({ a: 1 })]']) {
      const { result, stderr } = await run({ environment: 'javascript', code: `console.log("ran");\n${code}` });
      expect(result.status, stderr).toBe('ok');
      expect(result.exitCode).toBe(0);
    }
    const rejected = await run({ environment: 'javascript', code: 'Promise.reject(new Error("late"))' });
    expect(rejected.result.status).toBe('runtime_error');
    expect(rejected.stderr).toContain('Error: late');
  });

  it('an endless Error.prepareStackTrace is cut at the CPU limit by the worker, with its measured CPU time', async () => {
    const before = backstops;
    const { result } = await run({
      environment: 'javascript',
      code: 'Error.prepareStackTrace = () => { for (;;) {} };\nthrow new Error("stuck");',
      limits: { cpuMs: 300, wallMs: 3_000 },
    });
    expect(result.status).toBe('timeout');
    expect(result.message).toMatch(/CPU time limit of 300 ms exceeded/);
    expect(backstops).toBe(before);
    expect(result.cpuMs).toBeGreaterThanOrEqual(300);
  }, 10_000);

  it('caps output and ends the run with output_limit', async () => {
    const { result, stdout } = await run({ environment: 'javascript', code: 'for (;;) console.log("spam")' });
    expect(result.status).toBe('output_limit');
    expect(Buffer.byteLength(stdout)).toBe(limits.outputBytes);
  });

  it('gives the program nothing of the host', async () => {
    const { stdout } = await run({
      environment: 'javascript',
      code: 'console.log([typeof process, typeof require, typeof fetch, typeof WebAssembly === "object" ? "wasm" : "", typeof __arenaFire].join(","))',
    });
    expect(stdout).toBe('undefined,undefined,undefined,wasm,function\n');
    const escape = await run({
      environment: 'javascript',
      code: 'const F = console.log.constructor; console.log(F("return typeof process")())',
    });
    expect(escape.stdout).toBe('undefined\n');
  });

  it('the known escape routes lead nowhere, and a normal run alongside still succeeds', async () => {
    const attempts = [
      ['constructor.constructor', "constructor.constructor('return process')()"],
      ['this.constructor', "this.constructor.constructor('return process')()"],
      ['function constructor', "(function(){}).constructor('return process')()"],
      ['async constructor', "(async function(){}).constructor('return process')()"],
      [
        'prepareStackTrace',
        '(() => { Error.prepareStackTrace = (e, s) => s[0].getThis(); return new Error().stack; })()',
      ],
      ['dynamic import', "await import('node:child_process')"],
      ['require', "require('child_process')"],
      ['globalThis.process', 'globalThis.process.env'],
    ];
    const code = [
      'const results = [];',
      ...attempts.map(
        ([name, expression]) =>
          `try { const v = await (async () => ${expression})(); results.push(${JSON.stringify(name)} + (v && typeof v === 'object' && 'env' in v ? ' REACHED' : ' nothing')); } catch (e) { results.push(${JSON.stringify(name)} + ' blocked'); }`,
      ),
      'console.log(results.join("\\n"));',
    ].join('\n');
    const [escape, normal] = await Promise.all([
      run({ environment: 'javascript', code }),
      run({ environment: 'javascript', code: 'console.log(6 * 7)' }),
    ]);
    expect(escape.result.status, escape.stderr).toBe('ok');
    expect(escape.stdout).not.toContain('REACHED');
    expect(escape.stdout.trim().split('\n')).toHaveLength(attempts.length);
    expect(normal.stdout).toBe('42\n');
  });

  it('an endless microtask chain is stopped too (async code counts against the limits)', async () => {
    const { result } = await run({
      environment: 'javascript',
      code: 'async function spin() { for (;;) await null; }\nawait spin();',
    });
    expect(['timeout', 'memory_limit']).toContain(result.status);
  });

  it('refuses imports with a clear message', async () => {
    const { result, stderr } = await run({
      environment: 'javascript',
      code: 'import fs from "node:fs";\nconsole.log(fs)',
    });
    expect(result.status).toBe('runtime_error');
    expect(stderr).toContain("Cannot import 'node:fs'");
  });

  it('supports top-level await and stdin through prompt()', async () => {
    const { result, stdout } = await run({
      environment: 'javascript',
      code: 'await new Promise((r) => setTimeout(r, 10));\nconsole.log(prompt(), prompt(), prompt());',
      stdin: 'first\nsecond\n',
    });
    expect(result.status).toBe('ok');
    expect(stdout).toBe('first second null\n');
  });

  it('isolates runs from each other', async () => {
    await run({ environment: 'javascript', code: 'globalThis.leak = 42; Array.prototype.evil = 1;' });
    const { stdout } = await run({ environment: 'javascript', code: 'console.log(typeof leak, [].evil)' });
    expect(stdout).toBe('undefined undefined\n');
  });

  it('runs several programs concurrently across the pool', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => run({ environment: 'javascript', code: `console.log(${i} * 2)` })),
    );
    expect(results.map((r) => r.stdout)).toEqual(['0\n', '2\n', '4\n', '6\n', '8\n', '10\n']);
  });

  it('says unsupported for environments it does not run', async () => {
    const { result } = await run({ environment: 'python', code: 'print(1)' });
    expect(result.status).toBe('unsupported');
  });
});
