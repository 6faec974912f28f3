import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWithPillow } from './support/read-image.js';
import { REPO_ROOT } from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');

function arena(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [CLI, 'sandbox', 'run', ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('arena sandbox run', () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-sandbox-cli-'));
    await writeFile(file('greet.py'), 'import sys\nprint("hello", sys.stdin.read().strip())\nsys.exit(2)\n');
    await writeFile(file('input.txt'), 'world\n');
    await writeFile(file('main.go'), 'package main\nimport "fmt"\nfunc main() { fmt.Println(6 * 7) }\n');
    await writeFile(file('loop.js'), 'while (true) {}\n');
    await writeFile(
      file('plot.py'),
      'import matplotlib.pyplot as plt\nprint("one")\nplt.plot([1, 3, 2])\nplt.show()\nprint("two")\nplt.figure(figsize=(3, 2))\nplt.bar([1, 2], [2, 1])\n',
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('streams a program run in Docker, with stdin, and exits non-zero when the run is not ok', () => {
    const run = arena(['--language', 'python', file('greet.py'), '--stdin', file('input.txt')]);
    expect(run.stdout).toBe('hello world\n');
    expect(run.stderr).toMatch(/\[runtime_error exit 2, \d+ ms, docker\]/);
    expect(run.status).toBe(1);
  });

  it('--json prints one object', () => {
    const run = arena(['-l', 'golang', file('main.go'), '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'ok',
      exitCode: 0,
      stdout: '42\n',
      stderr: '',
      runner: 'docker',
    });
  });

  it('--figures saves the figures a Python program draws, shown or left open, as PNG files', async () => {
    const out = file('figures');
    const run = arena(['-l', 'python', file('plot.py'), '--figures', out, '--json', '--timeout-ms', '30000']);
    const result = JSON.parse(run.stdout) as { status: string; stdout: string; figures: { file: string }[] };
    expect(result).toMatchObject({
      status: 'ok',
      stdout: 'one\ntwo\n',
      figures: [
        { index: 0, file: path.join(out, 'figure-0.png'), width: 640, height: 480 },
        { index: 1, file: path.join(out, 'figure-1.png'), width: 300, height: 200 },
      ],
    });
    const [first] = await readWithPillow([await readFile(result.figures[0]!.file)]);
    expect(first).toMatchObject({ format: 'PNG', width: 640, height: 480 });
  });

  it('honours --timeout-ms in isolated-vm', () => {
    const run = arena(['-l', 'js', file('loop.js'), '--timeout-ms', '500', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'timeout', runner: 'isolated-vm' });
  });

  it('runs Python in Pyodide when Docker is turned off', () => {
    const run = arena(['-l', 'python', file('greet.py'), '--stdin', file('input.txt'), '--json'], {
      DOCKER_HOSTS: 'none',
    });
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'runtime_error',
      exitCode: 2,
      stdout: 'hello world\n',
      runner: 'pyodide',
    });
  });

  it('refuses bad input with a one-line reason and exit code 2', () => {
    const unknown = arena(['-l', 'cobol', file('greet.py')]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--language must be one of/);
    const missing = arena(['-l', 'python', file('nope.py')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.py: ENOENT/);
    const badTimeout = arena(['-l', 'python', file('greet.py'), '--timeout-ms', '-5']);
    expect(badTimeout.status).toBe(2);
  });
});
