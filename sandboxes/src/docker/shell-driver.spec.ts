import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Recipe } from './recipes.js';
import { ARG_CHUNK, DRIVER, driverCommand, encodeFiles, isSafeFileName } from './shell-driver.js';

const shellRecipe: Recipe = {
  file: 'main.sh',
  compile: 'bash -n main.sh',
  run: 'bash main.sh',
  minMemoryMb: 32,
  minProcesses: 8,
};

describe('files as argv words', () => {
  it('writes the count, then per file its name, its number of base64 words and the words', () => {
    const { words, bytes } = encodeFiles({ 'main.py': 'print(1)\n', 'data/a.txt': '' });
    expect(words).toEqual(['2', 'main.py', '1', Buffer.from('print(1)\n').toString('base64'), 'data/a.txt', '0']);
    expect(bytes).toBe(Buffer.from('print(1)\n').toString('base64').length + 'main.py'.length + 'data/a.txt'.length);
  });

  it('splits a large file into words the kernel accepts, which join back to the file', () => {
    const content = 'é'.repeat(150_000);
    const { words } = encodeFiles({ big: content });
    const parts = words.slice(3);
    expect(words.slice(0, 3)).toEqual(['1', 'big', String(parts.length)]);
    expect(parts.length).toBe(Math.ceil(Buffer.from(content).toString('base64').length / ARG_CHUNK));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(ARG_CHUNK);
    expect(Buffer.from(parts.join(''), 'base64').toString()).toBe(content);
  });
});

describe('file names a request may bring', () => {
  it('accepts relative paths inside the work dir', () => {
    for (const name of ['main.py', 'data/input.csv', 'src/a-b_c.d.ts', 'a..b']) expect(isSafeFileName(name)).toBe(true);
  });

  it('refuses paths that leave it, absolute paths and dot files', () => {
    for (const name of [
      '../escape.txt',
      'a/../../b',
      'a/..',
      '..',
      '/etc/passwd',
      '.stdin',
      '',
      'a b',
      'x'.repeat(202),
    ])
      expect(isSafeFileName(name), name).toBe(false);
  });
});

describe('the command a run executes', () => {
  it('is the shell driver with the files, compile and run commands, CPU seconds and marker', () => {
    expect(driverCommand(shellRecipe, 'M', 5, ['1', 'main.sh', '1', 'ZWNobw=='])).toEqual([
      '/bin/sh',
      '-c',
      DRIVER,
      'arena',
      '1',
      'main.sh',
      '1',
      'ZWNobw==',
      'bash -n main.sh',
      'bash main.sh',
      '5',
      'M',
    ]);
    expect(driverCommand({ ...shellRecipe, compile: undefined }, 'M', 1, ['0']).slice(4)).toEqual([
      '0',
      '',
      'bash main.sh',
      '1',
      'M',
    ]);
  });

  it("is the recipe's own driver when it has one", () => {
    const direct: Recipe = { ...shellRecipe, direct: (marker, cpu, files) => ['own', marker, String(cpu), ...files] };
    expect(driverCommand(direct, 'M', 2, ['0'])).toEqual(['own', 'M', '2', '0']);
  });
});

describe('the shell driver, run by sh in a scratch dir instead of /sandbox', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function drive(files: Record<string, string>, compile: string, run: string) {
    dir = mkdtempSync(path.join(tmpdir(), 'arena-driver-'));
    const script = DRIVER.replace('cd /sandbox ||', 'cd "$ARENA_DIR" ||');
    expect(script).not.toBe(DRIVER);
    const recipe: Recipe = { file: 'main.sh', compile, run, minMemoryMb: 32, minProcesses: 8 };
    const [shell = '', ...args] = driverCommand(recipe, '<marker>', 5, encodeFiles(files).words);
    args[1] = script;
    const result = spawnSync(shell, args, { env: { PATH: process.env.PATH, ARENA_DIR: dir }, encoding: 'utf8' });
    return { ...result, dir };
  }

  it('writes the files, sends compile output to stderr before the marker, runs the program on .stdin', () => {
    const ran = drive(
      { 'main.sh': 'read line; echo "got $line"; cat data/x.txt', 'data/x.txt': 'nested ✓', '.stdin': 'hello\n' },
      'echo compiling',
      'sh main.sh',
    );
    expect(ran.status).toBe(0);
    expect(ran.stderr).toBe('compiling\n<marker>');
    expect(ran.stdout).toBe('got hello\nnested ✓');
    expect(readFileSync(path.join(ran.dir, 'data/x.txt'), 'utf8')).toBe('nested ✓');
  });

  it('a failing compile step ends with its exit code and no marker', () => {
    const ran = drive({ 'main.sh': 'echo never' }, 'echo broken >&2; exit 3', 'sh main.sh');
    expect(ran.status).toBe(3);
    expect(ran.stderr).toBe('broken\n');
    expect(ran.stdout).toBe('');
  });
});
