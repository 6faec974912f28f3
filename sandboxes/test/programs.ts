import type { Environment, RunStatus } from '@arena/contracts';

/** One program per behaviour, per language: what it prints and how the run must end. */
export interface Case {
  name: 'print' | 'stdin' | 'exit' | 'compile' | 'throw' | 'assert';
  code: string;
  stdin?: string;
  status: RunStatus;
  exitCode?: number;
  stdout?: RegExp;
  stderr?: RegExp;
}

export const LANGUAGE_CASES: Partial<Record<Environment, Case[]>> = {
  python: [
    { name: 'print', code: 'print("héllo", 6 * 7)', status: 'ok', exitCode: 0, stdout: /^héllo 42\n$/ },
    {
      name: 'stdin',
      code: 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))',
      stdin: '1 2 3\n4',
      status: 'ok',
      stdout: /^10\n$/,
    },
    {
      name: 'exit',
      code: 'import sys\nprint("bye")\nsys.exit(3)',
      status: 'runtime_error',
      exitCode: 3,
      stdout: /bye/,
    },
    { name: 'compile', code: 'def f(:\n  pass', status: 'compile_error', stderr: /SyntaxError/ },
    {
      name: 'throw',
      code: 'def f():\n    raise ValueError("boom")\nf()',
      status: 'runtime_error',
      exitCode: 1,
      stderr: /ValueError: boom/,
    },
    {
      name: 'assert',
      code: 'import unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertEqual(1 + 1, 3)\nunittest.main()',
      status: 'runtime_error',
      exitCode: 1,
      stderr: /FAILED \(failures=1\)/,
    },
  ],
  c: [
    {
      name: 'print',
      code: '#include <stdio.h>\nint main(void){ printf("hello %d\\n", 6*7); return 0; }',
      status: 'ok',
      exitCode: 0,
      stdout: /^hello 42\n$/,
    },
    {
      name: 'stdin',
      code: '#include <stdio.h>\nint main(void){ int a,b; scanf("%d %d",&a,&b); printf("%d\\n", a+b); }',
      stdin: '19 23',
      status: 'ok',
      stdout: /^42\n$/,
    },
    { name: 'exit', code: 'int main(void){ return 3; }', status: 'runtime_error', exitCode: 3 },
    { name: 'compile', code: 'int main(void){ return x; }', status: 'compile_error', stderr: /error: .x. undeclared/ },
    { name: 'throw', code: '#include <stdlib.h>\nint main(void){ abort(); }', status: 'runtime_error', exitCode: 134 },
    {
      name: 'assert',
      code: '#include <assert.h>\nint main(void){ assert(1 + 1 == 3); }',
      status: 'runtime_error',
      stderr: /Assertion .1 \+ 1 == 3. failed/,
    },
  ],
  cpp: [
    {
      name: 'print',
      code: '#include <iostream>\nint main(){ std::cout << "hello " << 6*7 << std::endl; }',
      status: 'ok',
      stdout: /^hello 42\n$/,
    },
    {
      name: 'stdin',
      code: '#include <iostream>\n#include <string>\nint main(){ std::string s; std::getline(std::cin, s); std::cout << s.size() << "\\n"; }',
      stdin: 'abcdef\n',
      status: 'ok',
      stdout: /^6\n$/,
    },
    { name: 'exit', code: '#include <cstdlib>\nint main(){ std::exit(5); }', status: 'runtime_error', exitCode: 5 },
    { name: 'compile', code: 'int main(){ std::vector<int> v; }', status: 'compile_error', stderr: /vector/ },
    {
      name: 'throw',
      code: '#include <stdexcept>\nint main(){ throw std::runtime_error("boom"); }',
      status: 'runtime_error',
      stderr: /boom/,
    },
    {
      name: 'assert',
      code: '#include <cassert>\nint main(){ assert(2 * 2 == 5); }',
      status: 'runtime_error',
      stderr: /Assertion/,
    },
  ],
  java: [
    {
      name: 'print',
      code: 'public class Hello { public static void main(String[] a) { System.out.println("hello " + 6*7); } }',
      status: 'ok',
      stdout: /^hello 42\n$/,
    },
    {
      name: 'stdin',
      code: 'import java.util.Scanner;\npublic class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); System.out.println(s.nextInt() * 2); } }',
      stdin: '21',
      status: 'ok',
      stdout: /^42\n$/,
    },
    {
      name: 'exit',
      code: 'public class Main { public static void main(String[] a) { System.exit(4); } }',
      status: 'runtime_error',
      exitCode: 4,
    },
    {
      name: 'compile',
      code: 'public class Main { public static void main(String[] a) { int x = "s"; } }',
      status: 'compile_error',
      stderr: /incompatible types/,
    },
    {
      name: 'throw',
      code: 'public class Main { public static void main(String[] a) { throw new IllegalStateException("boom"); } }',
      status: 'runtime_error',
      exitCode: 1,
      stderr: /IllegalStateException: boom/,
    },
    {
      name: 'assert',
      code: 'public class Main { public static void main(String[] a) { if (1 + 1 != 3) throw new AssertionError("1 + 1 != 3"); } }',
      status: 'runtime_error',
      stderr: /AssertionError/,
    },
  ],
  go: [
    {
      name: 'print',
      code: 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello", 6*7) }',
      status: 'ok',
      stdout: /^hello 42\n$/,
    },
    {
      name: 'stdin',
      code: 'package main\nimport "fmt"\nfunc main() { var a, b int; fmt.Scan(&a, &b); fmt.Println(a * b) }',
      stdin: '6 7',
      status: 'ok',
      stdout: /^42\n$/,
    },
    {
      name: 'exit',
      code: 'package main\nimport "os"\nfunc main() { os.Exit(6) }',
      status: 'runtime_error',
      exitCode: 6,
    },
    {
      name: 'compile',
      code: 'package main\nfunc main() { x := 1 }',
      status: 'compile_error',
      stderr: /declared (and|but) not used/,
    },
    {
      name: 'throw',
      code: 'package main\nfunc main() { panic("boom") }',
      status: 'runtime_error',
      exitCode: 2,
      stderr: /panic: boom/,
    },
    {
      name: 'assert',
      code: 'package main\nimport "fmt"\nfunc main() { if got := 1 + 1; got != 3 { panic(fmt.Sprintf("assertion failed: got %d", got)) } }',
      status: 'runtime_error',
      stderr: /assertion failed: got 2/,
    },
  ],
  rust: [
    { name: 'print', code: 'fn main() { println!("hello {}", 6 * 7); }', status: 'ok', stdout: /^hello 42\n$/ },
    {
      name: 'stdin',
      code: 'use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); let n: i64 = s.split_whitespace().map(|x| x.parse::<i64>().unwrap()).sum(); println!("{}", n); }',
      stdin: '40 2',
      status: 'ok',
      stdout: /^42\n$/,
    },
    { name: 'exit', code: 'fn main() { std::process::exit(7); }', status: 'runtime_error', exitCode: 7 },
    { name: 'compile', code: 'fn main() { let x: i32 = "s"; }', status: 'compile_error', stderr: /mismatched types/ },
    {
      name: 'throw',
      code: 'fn main() { panic!("boom"); }',
      status: 'runtime_error',
      exitCode: 101,
      stderr: /panicked.*boom|boom/s,
    },
    {
      name: 'assert',
      code: 'fn main() { assert_eq!(1 + 1, 3); }',
      status: 'runtime_error',
      exitCode: 101,
      stderr: /assertion.*failed/,
    },
  ],
  bash: [
    { name: 'print', code: 'echo "hello $((6 * 7))"', status: 'ok', stdout: /^hello 42\n$/ },
    { name: 'stdin', code: 'read a b\necho $((a + b))', stdin: '40 2\n', status: 'ok', stdout: /^42\n$/ },
    { name: 'exit', code: 'echo bye\nexit 9', status: 'runtime_error', exitCode: 9, stdout: /bye/ },
    { name: 'compile', code: 'if then fi (', status: 'compile_error', stderr: /syntax error/ },
    { name: 'throw', code: 'set -e\nfalse\necho unreachable', status: 'runtime_error', exitCode: 1 },
    {
      name: 'assert',
      code: '[ "$((1 + 1))" -eq 3 ] || { echo "assertion failed" >&2; exit 1; }',
      status: 'runtime_error',
      stderr: /assertion failed/,
    },
  ],
  javascript: [
    {
      name: 'print',
      code: 'const os = require("node:os");\nconsole.log("hello", 6 * 7, typeof os.cpus);',
      status: 'ok',
      stdout: /^hello 42 function\n$/,
    },
    {
      name: 'stdin',
      code: 'const data = require("fs").readFileSync(0, "utf8");\nconsole.log(data.trim().split(/\\s+/).map(Number).reduce((a, b) => a + b));',
      stdin: '40 2',
      status: 'ok',
      stdout: /^42\n$/,
    },
    { name: 'exit', code: 'console.log("bye");\nprocess.exit(3);', status: 'runtime_error', exitCode: 3 },
    { name: 'compile', code: 'const fs = require("fs");\nconst = 1;', status: 'compile_error' },
    {
      name: 'throw',
      code: 'require("fs");\nthrow new TypeError("boom");',
      status: 'runtime_error',
      exitCode: 1,
      stderr: /TypeError: boom/,
    },
    {
      name: 'assert',
      code: 'const assert = require("node:assert");\nassert.strictEqual(1 + 1, 3);',
      status: 'runtime_error',
      stderr: /AssertionError/,
    },
  ],
  typescript: [
    {
      name: 'print',
      code: 'import { platform } from "node:os";\nconst n: number = 6 * 7;\nconsole.log("hello", n, platform());',
      status: 'ok',
      stdout: /^hello 42 linux\n$/,
    },
  ],
};
