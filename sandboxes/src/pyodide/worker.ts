/**
 * A Pyodide worker process: loads CPython (WASM) once, then runs exactly one program and exits, so every
 * run starts from a fresh interpreter. The pool keeps one loaded ahead. Started under Node's permission
 * model (file reads only of Pyodide itself, no writes, no child processes, no workers, no addons), with an
 * empty environment, with code generation from strings disabled (so Python cannot hand JavaScript source to
 * `eval`, `Function` or `run_js`), in a network namespace of its own where the system allows one. Before
 * the program runs, the host objects Python could reach through `import js` are taken off the global object.
 * Kept free of runtime imports from the rest of the package so Node can run the .ts source directly.
 */
import fs from 'node:fs';
import os from 'node:os';

interface Job {
  type: 'run';
  code: string;
  stdin: string;
}

const host = process;
const send = host.send?.bind(host);
const exit = host.exit.bind(host);
if (!send) throw new Error('the Pyodide worker must be started with an IPC channel');

// Under --permission, Pyodide's loader calls process.binding('constants'), which the permission model refuses.
const legacy = host as unknown as { binding: (name: string) => unknown };
const binding = legacy.binding.bind(host);
legacy.binding = (name: string) => (name === 'constants' ? { fs: fs.constants, os: os.constants } : binding(name));

const { loadPyodide } = await import('pyodide');

/**
 * The program's output leaves at once, in order, as frames on fd 4 (a blocking pipe the runner reads:
 * stream byte 1 stdout / 2 stderr, uint32 LE length, the bytes). The program runs on this thread and never
 * yields to the event loop, so output kept in a buffer, or queued behind a full IPC channel, would be lost
 * when the runner kills the process at a limit; a blocking write instead waits for the runner to read.
 */
const OUTPUT_FD = 4;
const writer = (target: 'stdout' | 'stderr') => ({
  write: (bytes: Uint8Array): number => {
    const frame = Buffer.allocUnsafe(5 + bytes.length);
    frame[0] = target === 'stdout' ? 1 : 2;
    frame.writeUInt32LE(bytes.length, 1);
    frame.set(bytes, 5);
    for (let at = 0; at < frame.length;) at += fs.writeSync(OUTPUT_FD, frame, at);
    return bytes.length;
  },
});

/** The part of Pyodide's API this worker uses. */
interface Interpreter {
  setStdout(options: { write: (bytes: Uint8Array) => number }): void;
  setStderr(options: { write: (bytes: Uint8Array) => number }): void;
  setStdin(options: { stdin: () => string | undefined }): void;
  runPython(code: string): unknown;
  globals: { get(name: string): unknown };
  FS: { mkdirTree(dir: string): void; chdir(dir: string): void };
}
const pyodide = (await loadPyodide({ env: { HOME: '/home/pyodide' } })) as unknown as Interpreter;
pyodide.setStdout(writer('stdout'));
pyodide.setStderr(writer('stderr'));

// What `import js` would otherwise hand to Python: the process, the network, timers that outlive the run.
const reachable = globalThis as unknown as Record<string, unknown>;
for (const name of [
  'process',
  'fetch',
  'WebSocket',
  'EventSource',
  'XMLHttpRequest',
  'Request',
  'Response',
  'Headers',
  'FormData',
  'navigator',
  'require',
  'module',
  'Deno',
  'Bun',
  'BroadcastChannel',
  'MessageChannel',
  'MessagePort',
  'Worker',
]) {
  try {
    delete reachable[name];
  } catch {
    reachable[name] = undefined;
  }
}
// Emscripten's exit (`os._exit`) sets `process.exitCode` and then throws its ExitStatus: without a
// `process` that throw becomes a ReferenceError, a fatal error with a C stack dump. A stand-in holding
// nothing of the host lets the exit be seen as one.
reachable.process = { exitCode: undefined, version: host.version };

const DRIVER = `
import sys, traceback
def _arena_run(source):
    with open('main.py', 'w') as file:
        file.write(source)
    try:
        code = compile(source, 'main.py', 'exec')
    except (SyntaxError, ValueError) as error:
        sys.stderr.write(''.join(traceback.format_exception_only(type(error), error)))
        return 'compile_error', 1
    main = type(sys)('__main__')
    main.__file__ = 'main.py'
    main.__builtins__ = __builtins__
    sys.modules['__main__'] = main
    sys.argv = ['main.py']
    try:
        exec(code, main.__dict__)
    except SystemExit as stop:
        status = stop.code
        if status is None or status == 0:
            return 'ok', 0
        if isinstance(status, int):
            return 'runtime_error', status
        sys.stderr.write(str(status) + '\\n')
        return 'runtime_error', 1
    except BaseException as error:
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != 'main.py':
            tb = tb.tb_next
        traceback.print_exception(type(error), error, tb)
        return 'runtime_error', 1
    return 'ok', 0
`;
pyodide.FS.mkdirTree('/home/pyodide');
pyodide.FS.chdir('/home/pyodide');
pyodide.runPython(DRIVER);
const run = pyodide.globals.get('_arena_run') as (source: string) => {
  toJs: () => [string, number];
  destroy: () => void;
};

/** The exit code of Emscripten's ExitStatus ("Program terminated with exit(n)"), which `os._exit` throws. */
function exitStatus(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== 'Exit') return undefined;
  const { status } = error as Error & { status?: unknown };
  return typeof status === 'number' ? status : undefined;
}

host.once('message', (job: Job) => {
  let rest = job.stdin;
  pyodide.setStdin({
    stdin: () => {
      if (!rest) return undefined;
      const text = rest;
      rest = '';
      return text;
    },
  });
  const started = performance.now();
  let status = 'internal_error';
  let exitCode = 1;
  let message: string | undefined;
  try {
    const result = run(job.code);
    [status, exitCode] = result.toJs();
    result.destroy();
  } catch (error) {
    const exited = exitStatus(error);
    if (exited !== undefined) {
      // `os._exit(n)`: the interpreter ended the program itself, with its own exit code.
      status = exited === 0 ? 'ok' : 'runtime_error';
      exitCode = exited;
    } else {
      message = error instanceof Error ? error.message.split('\n').slice(-3).join('\n') : String(error);
      status = /memory|Maximum call stack/i.test(message) ? 'memory_limit' : 'runtime_error';
    }
  }
  send({ type: 'done', status, exitCode, cpuMs: performance.now() - started, message }, () => exit(0));
});
send({ type: 'ready' });
