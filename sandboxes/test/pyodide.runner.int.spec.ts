import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PyodideRunner } from '../src/pyodide/pyodide.runner.js';
import type { RunRequest, RunResult } from '../src/types.js';
import { LANGUAGE_CASES } from './programs.js';

/** Python without Docker: Pyodide in a locked-down worker process, one fresh interpreter per run. */
const runner = new PyodideRunner({ spares: 2 });

async function run(request: Omit<RunRequest, 'environment'>): Promise<RunResult & { stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const result = await runner.run(
    { environment: 'python', ...request },
    {
      onOutput: (chunk) => {
        if (chunk.stream === 'stdout') stdout += chunk.data;
        else stderr += chunk.data;
      },
    },
  );
  return { ...result, stdout, stderr };
}

beforeAll(() => runner.warm(), 60_000);
afterAll(() => runner.close());

describe('Pyodide: the same Python programs as Docker', () => {
  for (const c of LANGUAGE_CASES.python ?? []) {
    it(`${c.name} → ${c.status}`, async () => {
      const result = await run({ code: c.code, ...(c.stdin !== undefined ? { stdin: c.stdin } : {}) });
      expect(result.status, JSON.stringify(result)).toBe(c.status);
      expect(result.runner).toBe('pyodide');
      if (c.exitCode !== undefined) expect(result.exitCode).toBe(c.exitCode);
      if (c.stdout) expect(result.stdout).toMatch(c.stdout);
      if (c.stderr) expect(result.stderr).toMatch(c.stderr);
    });
  }
});

describe('Pyodide: contained', () => {
  it('a fresh interpreter per run: nothing of the last run is left', async () => {
    await run({ code: 'import builtins\nbuiltins.LEFT = "secret"\nopen("left.txt", "w").write("secret")' });
    const next = await run({
      code: 'import builtins, os\nprint(hasattr(builtins, "LEFT"), os.path.exists("left.txt"))',
    });
    expect(next.stdout).toBe('False False\n');
  });

  it('the known escape routes lead nowhere: import js, run_js, eval, dynamic import()', async () => {
    const result = await run({
      code: [
        'attempts = {',
        '  "js.process": lambda: __import__("js").process.env,',
        '  "run_js": lambda: __import__("pyodide.code", fromlist=["run_js"]).run_js("process.env"),',
        '  "js.eval": lambda: __import__("js").eval("1"),',
        '  "js.Function": lambda: __import__("js").Function.new("return process")(),',
        '  "dynamic import": lambda: __import__("pyodide.code", fromlist=["run_js"]).run_js("import(\\"node:child_process\\")"),',
        '  "constructor": lambda: __import__("js").Object.constructor.constructor("return process")(),',
        '  "fetch": lambda: __import__("js").fetch("http://127.0.0.1:5432/"),',
        '  "host file": lambda: open("/etc/passwd").read(),',
        '}',
        'for name, attempt in attempts.items():',
        '    try:',
        '        value = attempt()',
        '        print(name, "REACHED", repr(value)[:60])',
        '    except Exception as error:',
        '        print(name, "blocked", type(error).__name__)',
      ].join('\n'),
    });
    expect(result.status).toBe('ok');
    expect(result.stdout).not.toContain('REACHED');
    expect(result.stdout.match(/blocked/g)).toHaveLength(8);
  });

  it('an endless loop is hard-killed at the wall-clock limit', async () => {
    const result = await run({ code: 'while True: pass', limits: { wallMs: 1_000 } });
    expect(result.status).toBe('timeout');
  });

  it('a memory bomb ends with memory_limit', async () => {
    const result = await run({ code: 'a = []\nwhile True: a.append(bytearray(10_000_000))', limits: { memoryMb: 64 } });
    expect(result.status).toBe('memory_limit');
  });

  it('an output flood ends with output_limit', async () => {
    const result = await run({ code: 'while True: print("flood" * 100)', limits: { outputBytes: 20_000 } });
    expect(result.status).toBe('output_limit');
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(20_000);
  });

  it('output printed before a kill is kept', async () => {
    const timeout = await run({
      code: 'import sys\nprint("started")\nsys.stderr.write("warming up\\n")\nwhile True: pass',
      limits: { wallMs: 1_500 },
    });
    expect(timeout.status).toBe('timeout');
    expect(timeout.stdout).toBe('started\n');
    expect(timeout.stderr).toBe('warming up\n');
    const memory = await run({
      code: 'print("before")\na = []\nwhile True: a.append(bytearray(10_000_000))',
      limits: { memoryMb: 64 },
    });
    expect(memory.status).toBe('memory_limit');
    expect(memory.stdout).toBe('before\n');
  });

  it('os._exit ends the run with its exit code: 0 is ok, anything else a runtime error', async () => {
    const clean = await run({ code: 'import os\nprint("bye", flush=True)\nos._exit(0)\nprint("not reached")' });
    expect(clean.status, clean.stderr).toBe('ok');
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toBe('bye\n');
    expect(clean.stderr).toBe('');
    const failed = await run({ code: 'import os\nos._exit(3)' });
    expect(failed.status, failed.stderr).toBe('runtime_error');
    expect(failed.exitCode).toBe(3);
    expect(failed.stderr).toBe('');
  });

  it('an install block names what the standard library lacks', async () => {
    const result = await run({ code: 'import numpy', installCommand: 'pip install numpy' });
    expect(result.status).toBe('unsupported');
    expect(result.message).toMatch(/numpy/);
  });
});
