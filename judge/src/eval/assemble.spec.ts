import { describe, expect, it } from 'vitest';
import { assembleProgram } from './assemble.js';
import { parseTaskRow } from './task-file.js';

describe('programs from an answer and the tests', () => {
  it('Python: prompt, answer, tests, then check(entry_point) unless the tests call it', () => {
    const task = parseTaskRow(
      {
        task_id: 'HumanEval/0',
        prompt: 'def f(x):\n    """Doc."""\n',
        test: 'def check(c):\n    assert c(1) == 2\n',
        entry_point: 'f',
      },
      'f:1',
    );
    const complete = assembleProgram(task, 'def f(x):\n    return x + 1').code;
    expect(complete).toBe(
      'def f(x):\n    """Doc."""\n\ndef f(x):\n    return x + 1\n\ndef check(c):\n    assert c(1) == 2\n\ncheck(f)\n',
    );
    expect(assembleProgram(task, '    return x + 1\n').code).toMatch(
      /^def f\(x\):\n    """Doc."""\n    return x \+ 1\n\ndef check/,
    );
    const calls = parseTaskRow(
      { task_id: 'Python/0', prompt: 'def f(x):\n', test: 'def check(c):\n    pass\n\ncheck(f)\n' },
      'f:1',
    );
    expect(assembleProgram(calls, '    return x').code.match(/check\(f\)/g)).toHaveLength(1);
  });

  it('C++: a complete answer keeps the prompt’s includes, loses its own main, and MultiPL-E’s tests lose their brace', () => {
    const task = parseTaskRow(
      {
        name: 'HumanEval_1_f',
        language: 'cpp',
        prompt: '#include<assert.h>\n#include<bits/stdc++.h>\nlong f(long n) {\n',
        tests: '}\nint main() {\n    assert(f(1) == 2);\n}\n',
      },
      'f:1',
    );
    const code = assembleProgram(
      task,
      '#include <vector>\nlong f(long n) {\n    return n + 1;\n}\nint main() {\n    return 0;\n}\n',
    ).code;
    expect(code).toBe(
      '#include<assert.h>\n#include<bits/stdc++.h>\n\n#include <vector>\nlong f(long n) {\n    return n + 1;\n}\n\nint main() {\n    assert(f(1) == 2);\n}\n',
    );
    // A bare completion is the format's own concatenation.
    expect(assembleProgram(task, '    return n + 1;\n').code).toBe(`${task.prompt}    return n + 1;\n\n${task.tests}`);
  });

  it('Java: imports hoisted, no second public class, assertions turned on when the tests use assert', () => {
    const task = parseTaskRow(
      {
        name: 'HumanEval_1_f',
        language: 'java',
        prompt: 'import java.util.*;\nimport org.javatuples.*;\nclass Problem {\n    public static long f(long n) {\n',
        tests: '    }\n    public static void main(String[] args) {\n    assert(f(1l) == 2l);\n    }\n\n}\n',
      },
      'f:1',
    );
    const code = assembleProgram(
      task,
      'import java.math.*;\npublic class Problem {\n    public static long f(long n) {\n        return n + 1;\n    }\n}\n',
    ).code;
    expect(code).not.toMatch(/javatuples/);
    expect(code).not.toMatch(/^public class/m);
    expect(code.indexOf('import java.math.*;')).toBeLessThan(code.indexOf('class ArenaAssertionsOn'));
    expect(code).toContain('Class.forName("Problem", true, loader)');
    expect(code).toMatch(
      /return n \+ 1;\n    }\n\n    public static void main\(String\[\] args\) {\n    assert\(f\(1l\) == 2l\);\n    }\n\n}\n/,
    );
  });

  it('Go: one package main, imports merged and pruned, testify shimmed, the Test functions run from main', () => {
    const task = parseTaskRow(
      {
        task_id: 'Go/0',
        prompt: 'import (\n    "math"\n    "strings"\n)\n\nfunc F(x float64) float64 {\n',
        test_setup: 'package main\n\nimport (\n    "testing"\n    "github.com/stretchr/testify/assert"\n)\n',
        test: 'func TestF(t *testing.T) {\n    assert := assert.New(t)\n    assert.Equal(1.0, F(-1))\n}\n',
      },
      'f:1',
    );
    const code = assembleProgram(
      task,
      'package main\n\nimport "math"\n\nfunc F(x float64) float64 {\n    return math.Abs(x)\n}\n\nfunc main() {}\n',
    ).code;
    expect(code.match(/^package /gm)).toEqual(['package ']);
    expect(code).toContain(
      'import (\n\t"testing"\n\t"math"\n\tarenatesting "testing"\n\tarenareflect "reflect"\n\tarenafmt "fmt"\n)',
    );
    expect(code).not.toContain('"strings"');
    expect(code).not.toContain('testify');
    expect(code).toContain('{Name: "TestF", F: TestF},');
    expect(code.match(/^func main\(\)/gm)).toHaveLength(1);
  });

  it('Rust: the #[test] functions called from main, the external crates dropped, the prompt’s uses behind a glob', () => {
    const task = parseTaskRow(
      {
        task_id: 'Rust/0',
        prompt:
          '\nfn main(){ \n } \n\nuse std::collections::HashMap;\nuse rand::Rng;\nuse md5;\n\nfn f(n: i32) -> i32 {\n',
        test: '\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn test_f() {\n        assert_eq!(f(1), 2);\n    }\n}\n',
      },
      'f:1',
    );
    const complete = assembleProgram(
      task,
      'use std::collections::HashMap;\nfn f(n: i32) -> i32 {\n    n + 1\n}\nfn main() { println!("{}", f(1)); }\n',
    ).code;
    expect(complete).toContain('mod arena_prelude {\n    pub use std::collections::HashMap;\n}');
    expect(complete).not.toMatch(/rand|md5|cfg\(test\)|#\[test\]/);
    expect(complete).toContain('pub fn test_f()');
    expect(complete.match(/fn main\(\)/g)).toHaveLength(1);
    expect(complete).toContain('fn main() {\n    tests::test_f();\n}');
    const completion = assembleProgram(task, '    n + 1\n}\n').code;
    expect(completion.match(/fn main\(\)/g)).toHaveLength(1);
  });

  it('JavaScript: console.assert throws, so a failed HumanEval-X check fails the run', () => {
    const task = parseTaskRow(
      { task_id: 'JavaScript/0', prompt: 'const f = (x) => {\n', test: 'console.assert(f(1) === 2)\n' },
      'f:1',
    );
    const code = assembleProgram(task, '  return x + 1;\n}\n').code;
    expect(code.indexOf('console.assert = function')).toBeLessThan(code.indexOf('console.assert(f(1)'));
    expect(code.indexOf('const f = (x)')).toBe(0);
  });

  it('serves a task’s mock API from the program’s own thread and brings its files along', () => {
    const task = parseTaskRow(
      {
        task_id: 'Api/0',
        language: 'python',
        prompt: 'def f():\n    """Doc."""\n',
        test: 'def check(c):\n    assert c() == 1\n',
        entry_point: 'f',
        files: { 'a.txt': 'x' },
        mock_api: { 'GET /n': { json: 1 } },
      },
      'f:1',
    );
    const program = assembleProgram(task, '    return 1\n');
    expect(program.files).toEqual({ 'a.txt': 'x' });
    expect(program.code.indexOf('_ArenaServer(("127.0.0.1", 0)')).toBeLessThan(program.code.indexOf('def f():'));
    expect(program.code).toContain('_arena_json.loads("{\\"GET /n\\":{\\"json\\":1}}")');
    // Imported plainly: \`arena eval\` runs it with \`app: false\`, so it runs to its end and is judged by its exit status.
    expect(program.code).toMatch(/^import http\.server as _arena_http\b/m);
    const { files: _files, mockApi: _api, ...plain } = task;
    expect(assembleProgram(plain, '    return 1\n')).toEqual({
      language: 'python',
      code: expect.not.stringContaining('_arena_api') as string,
    });
    expect(assembleProgram(plain, '    return 1\n').files).toBeUndefined();
  });
  it('serves a JavaScript or TypeScript task’s mock API from a node:http server of the program, imported as the program imports', () => {
    const row = {
      task_id: 'JavaScript/Api/0',
      prompt: 'const f = async () => {\n',
      test: 'f().then((v) => console.assert(v === 1))\n',
      mock_api: { 'GET /n': { json: 1 } },
    };
    const task = parseTaskRow(row, 'f:1');
    const esm = assembleProgram(task, '  return (await fetch(process.env.API_BASE_URL + "/n")).json()\n}\n');
    expect(esm.code.startsWith("import * as __arenaHttp from 'node:http';")).toBe(true);
    expect(esm.code.indexOf('__arenaApi.listen(0);')).toBeLessThan(esm.code.indexOf('const f = async'));
    expect(esm.code).toContain('JSON.parse("{\\"GET /n\\":{\\"json\\":1}}")');
    const cjs = assembleProgram(task, '  const { inspect } = require("node:util");\n  return 1\n}\n');
    expect(cjs.code.startsWith("const __arenaHttp = require('node:http');")).toBe(true);
    const ts = assembleProgram(parseTaskRow({ ...row, task_id: 'TypeScript/Api/0' }, 'f:2'), '  return 1\n}\n');
    expect(ts).toMatchObject({ language: 'typescript', code: expect.stringContaining('__arenaHttp.createServer') });
    const { mockApi: _api, ...plain } = task;
    expect(assembleProgram(plain, '  return 1\n}\n').code).not.toContain('__arenaHttp');
  });
});
