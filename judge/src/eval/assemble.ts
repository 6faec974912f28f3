import type { EvalLanguage, EvalTask, MockRoute } from './eval-task.js';
import { definesFunction, dropLeadingBrace, matchingBrace, removeBlocks } from './source-scan.js';

/** The program that runs one answer against its task's tests, for the sandbox of `language`. */
export interface AssembledProgram {
  language: EvalLanguage;
  code: string;
  /** The task's further files, beside the program. */
  files?: Record<string, string>;
}

/**
 * An answer and its task's tests as one program, the way the task's format defines it. An answer that defines
 * the task's function is a complete one (what the chat prompt asks for): it takes the place of the prompt, which
 * lends only its head (includes, imports). Anything else is a bare completion, appended to the prompt as the
 * formats themselves do. Then each language's harness is made runnable as one program in the sandbox:
 *  - Python (HumanEval): `check(entry_point)` is called when the tests do not call it;
 *  - JavaScript/TypeScript: `console.assert` throws, so HumanEval-X's asserts fail the run instead of printing;
 *  - Java: a class that turns `assert` on (`java -ea`, which MultiPL-E's harness relies on) when the tests use it;
 *  - Go: the `go test` harness becomes a `main` that runs the `Test…` functions through `testing.Main`, and
 *    testify's `assert` (HumanEval-X) is a small shim of the same API (the sandbox has no module downloads);
 *  - Rust: the `#[cfg(test)]` module's `#[test]` functions are called from `main` (`cargo test`'s job), and
 *    the crates HumanEval-X's header imports without using (rand, regex, md5) are left out.
 */
export function assembleProgram(task: EvalTask, answer: string): AssembledProgram {
  const complete = definesFunction(task.language, answer, task.entryPoint);
  const code = ASSEMBLERS[task.language](task, answer, complete);
  return {
    language: task.language,
    code: task.mockApi
      ? join(task.language === 'python' ? mockApiPrologue(task.mockApi) : nodeMockApiPrologue(task.mockApi, code), code)
      : code,
    ...(task.files ? { files: task.files } : {}),
  };
}

/**
 * The task's HTTP API, served from a thread of the program itself on the loopback (the sandbox has no
 * network, and one program is all it runs): every route answers as the task says, anything else 404; the
 * base URL is in `API_BASE_URL`, in the environment and as a global. The program is still judged by its exit
 * status, not served as a live app: whoever runs it passes the sandbox's `app: false`, as `arena eval` does.
 */
function mockApiPrologue(routes: Record<string, MockRoute>): string {
  return `import http.server as _arena_http, json as _arena_json, os as _arena_os, threading as _arena_threading

_ArenaHandler, _ArenaServer = _arena_http.BaseHTTPRequestHandler, _arena_http.ThreadingHTTPServer

_ARENA_ROUTES = _arena_json.loads(${JSON.stringify(JSON.stringify(routes))})


class _ArenaMockApi(_ArenaHandler):
    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        route = _ARENA_ROUTES.get(self.command + " " + self.path.split("?")[0])
        if route is None:
            status, headers, body = 404, {"content-type": "application/json"}, b'{"error": "not found"}'
        elif "json" in route:
            status, headers = route.get("status", 200), {"content-type": "application/json", **route.get("headers", {})}
            body = _arena_json.dumps(route["json"]).encode()
        else:
            status, headers, body = route.get("status", 200), route.get("headers", {}), route.get("body", "").encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


_arena_api = _ArenaServer(("127.0.0.1", 0), _ArenaMockApi)
_arena_threading.Thread(target=_arena_api.serve_forever, daemon=True).start()
API_BASE_URL = "http://127.0.0.1:%d" % _arena_api.server_address[1]
_arena_os.environ["API_BASE_URL"] = API_BASE_URL`;
}

/**
 * The task's HTTP API for a JavaScript or TypeScript program, as for Python: a `node:http` server of the
 * program itself on the loopback, its base URL in `process.env.API_BASE_URL` and the global `API_BASE_URL`.
 * Importing `node:http` sends the program to the Docker sandbox's Node.js (isolated-vm has no sockets). The
 * server is bound before the program's first line (`listen` without a host binds at once; with one it would
 * wait for a lookup) on the sandbox's own network, which has nothing but the loopback; it is unreferenced, so
 * the program ends when its own work does, and answers close their connection for the same reason. The
 * program must still run to its end and be judged by its exit status (run with `app: false`). The prologue
 * imports the way the program does (`require` in CommonJS, `import` otherwise).
 */
function nodeMockApiPrologue(routes: Record<string, MockRoute>, code: string): string {
  const commonJs = /\brequire\s*\(/.test(code) && !/^\s*(?:import|export)\s/m.test(code);
  return `${commonJs ? "const __arenaHttp = require('node:http');" : "import * as __arenaHttp from 'node:http';"}
const __arenaRoutes = JSON.parse(${JSON.stringify(JSON.stringify(routes))});
const __arenaApi = __arenaHttp.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const route = __arenaRoutes[req.method + ' ' + String(req.url).split('?')[0]];
    let status = 404;
    let headers = { 'content-type': 'application/json' };
    let body = '{"error": "not found"}';
    if (route) {
      status = route.status ?? 200;
      if ('json' in route) {
        headers = { 'content-type': 'application/json', ...(route.headers ?? {}) };
        body = JSON.stringify(route.json);
      } else {
        headers = { ...(route.headers ?? {}) };
        body = route.body ?? '';
      }
    }
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
});
__arenaApi.listen(0);
__arenaApi.unref();
process.env.API_BASE_URL = 'http://127.0.0.1:' + __arenaApi.address().port;
globalThis.API_BASE_URL = process.env.API_BASE_URL;`;
}

type Assembler = (task: EvalTask, answer: string, complete: boolean) => string;

const join = (...parts: string[]): string => `${parts.map((p) => p.replace(/\s+$/, '')).join('\n\n')}\n`;

/** Tests that follow a complete answer: MultiPL-E's begin by closing the prompt's function, which the answer did. */
const testsAfter = (task: EvalTask, complete: boolean): string =>
  complete && task.format === 'multipl-e' ? dropLeadingBrace(task.tests) : task.tests;

// The name is set on a prototype so that the stack V8 captures at construction already says AssertionError.
const CONSOLE_ASSERT = `class ArenaAssertionError extends Error {}
ArenaAssertionError.prototype.name = 'AssertionError';
console.assert = function (ok, ...message) {
  if (!ok) throw new ArenaAssertionError('Assertion failed' + (message.length ? ': ' + message.join(' ') : ''));
};`;

const python: Assembler = (task, answer, complete) => {
  // The prompt's function with only its docstring is valid Python: a complete answer redefines it after.
  const solution = complete ? join(task.prompt, answer) : `${task.prompt}${answer}`;
  const calls = task.format !== 'multipl-e' && !/^check\s*\(/m.test(task.tests);
  return join(solution, task.tests, ...(calls ? [`check(${task.entryPoint})`] : []));
};

const script: Assembler = (task, answer, complete) =>
  join(complete ? answer : `${task.prompt}${answer}`, CONSOLE_ASSERT, testsAfter(task, complete));

const CPP_MAIN = /\b(?:int|void|auto)\s+main\s*\([^)]*\)\s*\{/;
const cpp: Assembler = (task, answer, complete) => {
  if (!complete) return join(`${task.prompt}${answer}`, task.tests);
  const head = task.prompt
    .split('\n')
    .filter((line) => /^\s*#\s*include\b|^\s*using\s+namespace\b/.test(line))
    .join('\n');
  return join(head, removeBlocks('cpp', answer, CPP_MAIN), testsAfter(task, complete));
};

const JAVA_IMPORT = /^\s*import\s+(?:static\s+)?[\w.*]+\s*;[ \t]*$/gm;
const JAVA_PACKAGE = /^\s*package\s+[\w.]+\s*;[ \t]*$/gm;
const JAVA_MAIN_METHOD =
  /(?:\b(?:public|private|protected|final)\s+)*\bstatic\s+(?:public\s+)?void\s+main\s*\([^)]*\)\s*(?:throws\s+[\w.,\s]+)?\{/;
const JAVA_MAIN_CLASS = /^(?:public\s+)?(?:final\s+)?class\s+Main\b[^{]*\{/m;

const java: Assembler = (task, answer, complete) => {
  let program: string;
  if (!complete) program = join(`${task.prompt}${answer}`, task.tests);
  else {
    const imports = [
      ...new Set(
        [...(task.prompt.match(JAVA_IMPORT) ?? []), ...(answer.match(JAVA_IMPORT) ?? [])].map((l) => l.trim()),
      ),
    ];
    let body = answer.replace(JAVA_IMPORT, '').replace(JAVA_PACKAGE, '');
    body = removeBlocks('java', removeBlocks('java', body, JAVA_MAIN_CLASS), JAVA_MAIN_METHOD);
    // One public class per file, and the tests bring theirs.
    body = body.replace(/^public\s+((?:final\s+|abstract\s+)*(?:class|interface|enum|record)\s)/gm, '$1');
    const tests = testsAfter(task, complete);
    const holder = /\bclass\s+(\w+)/.exec(task.prompt)?.[1];
    const open = holder !== undefined ? new RegExp(`\\bclass\\s+${holder}\\b[^{]*\\{`).exec(body) : null;
    const close = open ? matchingBrace('java', body, open.index + open[0].length - 1) : -1;
    if (task.format === 'multipl-e' && close >= 0)
      // MultiPL-E's tests are the rest of the prompt's class: its main, then the class's closing brace.
      program = join(imports.join('\n'), `${body.slice(0, close)}\n${tests}`, body.slice(close + 1));
    else program = join(imports.join('\n'), body, tests);
  }
  // MultiPL-E's Java head imports javatuples (its container has the jar; the sandbox does not): kept only when used.
  if (!JAVATUPLES_USED.test(program)) program = program.replace(/^\s*import\s+org\.javatuples\.\*\s*;[ \t]*$/gm, '');
  return /(?:^|[;{}\s])assert[\s(]/m.test(task.tests) ? enableJavaAssertions(program) : program;
};

const JAVATUPLES_USED =
  /\b(?:Unit|Pair|Triplet|Quartet|Quintet|Sextet|Septet|Octet|Ennead|Decade|KeyValue|LabelValue)\s*[<.]/;

/** A class ahead of the program whose `main` turns assertions on, then runs the program's own `main`. */
function enableJavaAssertions(program: string): string {
  const main = /\bstatic\s+(?:public\s+)?void\s+main\s*\(/.exec(program)?.index;
  if (main === undefined) return program;
  const holder = [...program.slice(0, main).matchAll(/\b(?:class|record|enum|interface)\s+([A-Za-z_$][\w$]*)/g)].at(
    -1,
  )?.[1];
  if (!holder) return program;
  const lines = program.split('\n');
  let head = 0;
  while (head < lines.length && /^\s*(?:import\s|package\s|\/\/|$)/.test(lines[head]!)) head++;
  const wrapper = `class ArenaAssertionsOn {
    public static void main(String[] args) throws Throwable {
        ClassLoader loader = ArenaAssertionsOn.class.getClassLoader();
        loader.setDefaultAssertionStatus(true);
        try {
            Class.forName("${holder}", true, loader).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}`;
  return join(lines.slice(0, head).join('\n'), wrapper, lines.slice(head).join('\n'));
}

const GO_PACKAGE = /^\s*package\s+\w+[ \t]*$/gm;
const GO_IMPORT = /^\s*import\s*(?:\(([^)]*)\)|((?:[\w.]+\s+)?"[^"]+"))/gm;
const GO_MAIN = /\bfunc\s+main\s*\(\s*\)\s*\{/;
const TESTIFY = 'github.com/stretchr/testify/assert';

/** A Go text's import specs (`"fmt"`, `m "math"`) and the text without its package clause and imports. */
function goImports(code: string): { specs: string[]; rest: string } {
  const specs: string[] = [];
  const rest = code
    .replace(GO_IMPORT, (_, group: string | undefined, single: string | undefined) => {
      for (const line of (group ?? single ?? '').split(/[\n;]/)) {
        const spec = line.replace(/\/\/.*$/, '').trim();
        if (spec) specs.push(spec.replace(/\s+/g, ' '));
      }
      return '';
    })
    .replace(GO_PACKAGE, '');
  return { specs, rest };
}

/** testify's `assert` as far as HumanEval-X uses it: `assert.New(t)` then Equal, NotEqual, True, False, Nil… */
const TESTIFY_SHIM = `type arenaAssertPackage struct{}

var assert arenaAssertPackage

type arenaAssertions struct{ t *testing.T }

func (arenaAssertPackage) New(t *testing.T) *arenaAssertions { return &arenaAssertions{t} }

func (a *arenaAssertions) fail(format string, args ...interface{}) bool {
	a.t.Helper()
	a.t.Errorf(format, args...)
	return false
}

func (a *arenaAssertions) Equal(expected, actual interface{}, msg ...interface{}) bool {
	a.t.Helper()
	if !arenareflect.DeepEqual(expected, actual) {
		return a.fail("Error: Not equal:\\n expected: %#v\\n actual  : %#v %s", expected, actual, arenafmt.Sprint(msg...))
	}
	return true
}

func (a *arenaAssertions) NotEqual(expected, actual interface{}, msg ...interface{}) bool {
	a.t.Helper()
	if arenareflect.DeepEqual(expected, actual) {
		return a.fail("Error: Should not be: %#v %s", actual, arenafmt.Sprint(msg...))
	}
	return true
}

func (a *arenaAssertions) True(value bool, msg ...interface{}) bool {
	a.t.Helper()
	if !value {
		return a.fail("Error: Should be true %s", arenafmt.Sprint(msg...))
	}
	return true
}

func (a *arenaAssertions) False(value bool, msg ...interface{}) bool {
	a.t.Helper()
	if value {
		return a.fail("Error: Should be false %s", arenafmt.Sprint(msg...))
	}
	return true
}

func arenaIsNil(value interface{}) bool {
	if value == nil {
		return true
	}
	v := arenareflect.ValueOf(value)
	switch v.Kind() {
	case arenareflect.Chan, arenareflect.Func, arenareflect.Interface, arenareflect.Map, arenareflect.Ptr, arenareflect.Slice:
		return v.IsNil()
	}
	return false
}

func (a *arenaAssertions) Nil(value interface{}, msg ...interface{}) bool {
	a.t.Helper()
	if !arenaIsNil(value) {
		return a.fail("Error: Expected nil, but got: %#v %s", value, arenafmt.Sprint(msg...))
	}
	return true
}

func (a *arenaAssertions) NotNil(value interface{}, msg ...interface{}) bool {
	a.t.Helper()
	if arenaIsNil(value) {
		return a.fail("Error: Expected value not to be nil %s", arenafmt.Sprint(msg...))
	}
	return true
}

func (a *arenaAssertions) Len(value interface{}, length int, msg ...interface{}) bool {
	a.t.Helper()
	if n := arenareflect.ValueOf(value).Len(); n != length {
		return a.fail("Error: %#v should have %d item(s), but has %d %s", value, length, n, arenafmt.Sprint(msg...))
	}
	return true
}

func (a *arenaAssertions) InDelta(expected, actual interface{}, delta float64, msg ...interface{}) bool {
	a.t.Helper()
	e := arenareflect.ValueOf(expected).Convert(arenareflect.TypeOf(float64(0))).Float()
	g := arenareflect.ValueOf(actual).Convert(arenareflect.TypeOf(float64(0))).Float()
	if d := e - g; d > delta || -d > delta {
		return a.fail("Error: Max difference between %v and %v allowed is %v %s", expected, actual, delta, arenafmt.Sprint(msg...))
	}
	return true
}`;

const go: Assembler = (task, answer, complete) => {
  const source = complete ? removeBlocks('go', answer, GO_MAIN) : `${task.prompt}${answer}`;
  const own = goImports(source);
  // What the tests import: HumanEval-X's test_setup; MultiPL-E's prompt head (which a complete answer replaced).
  const setup = goImports(task.testSetup ?? (complete ? task.prompt.slice(0, goHeadEnd(task.prompt)) : ''));
  const tests = goImports(testsAfter(task, complete));
  const all = [...new Set([...setup.specs, ...own.specs, ...tests.specs])];
  const testify = all.some((s) => s.endsWith(`"${TESTIFY}"`));
  // Go refuses unused imports, and HumanEval-X's prompts import what some solutions never use (its own
  // harness, too, imports only what the code names).
  const body = `${own.rest}\n${tests.rest}\n${testify ? TESTIFY_SHIM : ''}`;
  const specs = all.filter((s) => !s.endsWith(`"${TESTIFY}"`) && goImportUsed(s, body));
  const names = [...tests.rest.matchAll(/^func\s+(Test\w*)\s*\(\s*\w+\s+\*testing\.T\s*\)/gm)].map((m) => m[1]!);
  const harness = names.length > 0;
  if (harness) specs.push('arenatesting "testing"');
  if (testify) specs.push('arenareflect "reflect"', 'arenafmt "fmt"');
  const main = harness
    ? `func main() {
	arenatesting.Main(func(_, _ string) (bool, error) { return true, nil }, []arenatesting.InternalTest{
${names.map((n) => `		{Name: ${JSON.stringify(n)}, F: ${n}},`).join('\n')}
	}, nil, nil)
}`
    : '';
  return join(
    'package main',
    specs.length ? `import (\n${specs.map((s) => `\t${s}`).join('\n')}\n)` : '',
    setup.rest.trim() && task.testSetup ? setup.rest : '',
    own.rest,
    tests.rest,
    testify ? TESTIFY_SHIM : '',
    main,
  );
};

/** Whether the code names the package an import spec brings (blank and dot imports always count). */
function goImportUsed(spec: string, code: string): boolean {
  const m = /^(?:([\w.]+)\s+)?"([^"]+)"$/.exec(spec);
  if (!m) return true;
  const name = m[1] ?? m[2]!.split('/').at(-1)!;
  if (name === '_' || name === '.') return true;
  return new RegExp(`(?<![\\w.])${name.replace(/[^\w]/g, '')}\\s*\\.`).test(code);
}

/** Where a Go prompt's first declaration starts (after its package clause and imports). */
function goHeadEnd(prompt: string): number {
  const at = /^\s*(?:\/\/|func\b|type\b|var\b|const\b)/m.exec(prompt.replace(GO_IMPORT, (m) => ' '.repeat(m.length)));
  return at ? at.index : prompt.length;
}

const RUST_MAIN = /\bfn\s+main\s*\(\s*\)\s*\{/;
/** Crates HumanEval-X's Rust header imports (its cargo project had them) and no task's tests need. */
const RUST_EXTERNAL = /^[ \t]*(?:use\s+(?:rand|regex|md5)\b[^;]*|extern\s+crate\s+\w+)\s*;[ \t]*$/gm;

const rust: Assembler = (task, answer, complete) => {
  let program: string;
  let tests = testsAfter(task, complete);
  if (complete) {
    // The prompt's imports, behind a glob so that the answer's own imports of the same names win without a clash.
    const uses = (task.prompt.replace(RUST_EXTERNAL, '').match(/^[ \t]*use\s+[^;]+;/gm) ?? []).map(
      (u) => `    pub ${u.trim()}`,
    );
    const prelude = uses.length
      ? `#[allow(unused_imports, deprecated)]\nmod arena_prelude {\n${uses.join('\n')}\n}\n#[allow(unused_imports)]\nuse arena_prelude::*;`
      : '';
    program = join(prelude, removeBlocks('rust', answer.replace(RUST_EXTERNAL, ''), RUST_MAIN));
  } else program = `${task.prompt.replace(RUST_EXTERNAL, '').replace(/\bfn\s+main\s*\(\s*\)\s*\{\s*\}/, '')}${answer}`;
  const names = [...tests.matchAll(/#\[test\]\s*fn\s+(\w+)/g)].map((m) => m[1]!);
  if (names.length > 0) {
    // `cargo test`'s job: the #[test] functions, called in order; the first failure panics and ends the run.
    const module = /\bmod\s+(\w+)\s*\{/.exec(tests)?.[1];
    tests = tests.replace(/#\[cfg\(test\)\]/g, '').replace(/#\[test\]\s*fn\s+/g, 'pub fn ');
    tests = join(tests, `fn main() {\n${names.map((n) => `    ${module ? `${module}::` : ''}${n}();`).join('\n')}\n}`);
  }
  return join(program, tests);
};

const ASSEMBLERS: Record<EvalLanguage, Assembler> = {
  python,
  javascript: script,
  typescript: script,
  cpp,
  java,
  go,
  rust,
};
