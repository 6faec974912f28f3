import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTaskRow, readTaskFile, TaskFileError } from './task-file.js';

const HUMANEVAL = {
  task_id: 'HumanEval/0',
  prompt: 'def add(a, b):\n    """Add."""\n',
  canonical_solution: '    return a + b\n',
  test: 'def check(candidate):\n    assert candidate(1, 2) == 3\n',
  entry_point: 'add',
};

describe('task rows', () => {
  it('reads HumanEval: python, its entry point, the check to call', () => {
    expect(parseTaskRow(HUMANEVAL, 'f:1')).toMatchObject({
      id: 'HumanEval/0',
      language: 'python',
      format: 'humaneval',
      entryPoint: 'add',
      canonicalSolution: '    return a + b\n',
    });
  });

  it('reads HumanEval-X: the language from the task_id prefix, the entry point from the declaration', () => {
    const row = {
      task_id: 'CPP/3',
      prompt: '/* doc */\n#include<vector>\nusing namespace std;\nbool below_zero(vector<int> operations){\n',
      declaration: '#include<vector>\nbool below_zero(vector<int> operations){\n',
      test: 'int main(){}\n',
    };
    expect(parseTaskRow(row, 'f:1')).toMatchObject({
      language: 'cpp',
      format: 'humaneval-x',
      entryPoint: 'below_zero',
    });
    const go = {
      task_id: 'Go/1',
      prompt: '// x\nfunc SumToN(n int) int {\n',
      test: 'func TestSumToN(t *testing.T) {}\n',
      test_setup: 'package main\n',
    };
    expect(parseTaskRow(go, 'f:1')).toMatchObject({
      language: 'go',
      entryPoint: 'SumToN',
      testSetup: 'package main\n',
    });
  });

  it('reads MultiPL-E: the language field (go_test.go, rs, ts), tests, the last function the prompt declares', () => {
    const row = {
      name: 'HumanEval_60_sum_to_n',
      language: 'go_test.go',
      prompt: 'package x_test\n\nfunc sum_to_n(n int) int {\n',
      tests: '}\n',
    };
    expect(parseTaskRow(row, 'f:1')).toMatchObject({
      id: 'HumanEval_60_sum_to_n',
      language: 'go',
      format: 'multipl-e',
      entryPoint: 'sum_to_n',
    });
    expect(
      parseTaskRow({ ...row, language: 'rs', prompt: 'fn helper() {}\nfn sum_to_n(n: isize) -> isize {\n' }, 'f:1'),
    ).toMatchObject({ language: 'rust', entryPoint: 'sum_to_n' });
    expect(
      parseTaskRow({ ...row, language: 'ts', prompt: 'function sum_to_n(n: number): number {\n' }, 'f:1').language,
    ).toBe('typescript');
  });

  it('takes --language over the row, and names the file and line of a bad row', () => {
    expect(
      parseTaskRow({ ...HUMANEVAL, task_id: 'mine/1', prompt: 'const add = (a, b) => {\n' }, 'f:1', 'javascript'),
    ).toMatchObject({ language: 'javascript', entryPoint: 'add' });
    expect(() => parseTaskRow({ task_id: 'x', prompt: 'def f():\n', test: '' }, 'f.jsonl:7')).toThrow(
      /f\.jsonl:7: no language/,
    );
    expect(() => parseTaskRow({ name: 'x', language: 'cobol', prompt: 'p', tests: '' }, 'f:2')).toThrow(
      /cobol is not one/,
    );
    expect(() => parseTaskRow({ task_id: 'Python/1', test: '' }, 'f:3')).toThrow(TaskFileError);
    expect(() => parseTaskRow({ task_id: 'Rust/1', prompt: '// nothing here\n', test: '' }, 'f:4')).toThrow(
      /no entry point/,
    );
  });
});

describe('multi-file and API tasks', () => {
  it('reads further files and a mock API, and refuses paths out of the work dir and malformed routes', () => {
    const row = { ...HUMANEVAL, files: { 'data/a.csv': 'x\n' }, mock_api: { 'GET /users/1': { json: { id: 1 } } } };
    expect(parseTaskRow(row, 'f:1')).toMatchObject({
      files: { 'data/a.csv': 'x\n' },
      mockApi: { 'GET /users/1': { json: { id: 1 } } },
    });
    expect(() => parseTaskRow({ ...HUMANEVAL, files: { '../etc/passwd': '' } }, 'f:2')).toThrow(/not a relative path/);
    expect(() => parseTaskRow({ ...HUMANEVAL, files: { 'a.txt': 3 } }, 'f:3')).toThrow(/a\.txt is not text/);
    expect(() => parseTaskRow({ ...HUMANEVAL, mock_api: { 'FETCH /x': {} } }, 'f:4')).toThrow(/not "METHOD \/path"/);
    expect(() => parseTaskRow({ ...HUMANEVAL, mock_api: { 'GET /x': { status: 99 } } }, 'f:5')).toThrow(/HTTP status/);
    expect(() =>
      parseTaskRow({ task_id: 'Go/0', prompt: 'func F() {\n', test: '', mock_api: { 'GET /x': {} } }, 'f:6'),
    ).toThrow(/Python, JavaScript and TypeScript only \(not go\)/);
    expect(
      parseTaskRow(
        { task_id: 'JavaScript/0', prompt: 'const f = () => {\n', test: '', mock_api: { 'GET /x': {} } },
        'f:7',
      ),
    ).toMatchObject({ language: 'javascript', mockApi: { 'GET /x': {} } });
  });
});

describe('task files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-tasks-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads JSONL, plain or gzip, skipping blank lines', async () => {
    const text = `${JSON.stringify(HUMANEVAL)}\n\n${JSON.stringify({ ...HUMANEVAL, task_id: 'HumanEval/1' })}\n`;
    await writeFile(path.join(dir, 'a.jsonl'), text);
    await writeFile(path.join(dir, 'a.jsonl.gz'), gzipSync(text));
    for (const file of ['a.jsonl', 'a.jsonl.gz'])
      expect((await readTaskFile(path.join(dir, file))).map((t) => t.id)).toEqual(['HumanEval/0', 'HumanEval/1']);
  });

  it('says which line is not JSON, and which file cannot be read', async () => {
    await writeFile(path.join(dir, 'bad.jsonl'), `${JSON.stringify(HUMANEVAL)}\n{oops\n`);
    await expect(readTaskFile(path.join(dir, 'bad.jsonl'))).rejects.toThrow(/bad\.jsonl:2: not JSON/);
    await expect(readTaskFile(path.join(dir, 'none.jsonl'))).rejects.toThrow(/cannot read .*none\.jsonl: ENOENT/);
  });
});
