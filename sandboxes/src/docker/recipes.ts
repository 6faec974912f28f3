import type { Environment } from '@arena/contracts';
import { FIGURES_HOOK } from './figures.js';

/** How one language is built and run inside the sandbox image, from the work dir `/sandbox`. */
export interface Recipe {
  /** The entry file's name (Java takes the public class's name). */
  file: string;
  /** Shell command that checks or compiles; its output is the compile diagnostics, a non-zero exit is `compile_error`. */
  compile?: string;
  /** Shell command that runs the program with stdin attached. */
  run: string;
  /** The container never gets less memory than this: compilers and the JVM need it whatever the program asks. */
  minMemoryMb: number;
  /** Compilers spawn threads and helpers; the program's own process limit still applies at run time. */
  minProcesses: number;
  /**
   * A command that replaces the shell driver: it gets the run's marker, the CPU seconds and the encoded
   * files, and does the driver's work itself (one process start instead of several).
   */
  direct?: (marker: string, cpuSeconds: number, files: string[]) => string[];
  /**
   * The same driver started ahead of the run in a warm container, waiting for its job on stdin: a run then
   * costs no process start at all. Every warm container has one; runs of other languages close it.
   */
  armed?: boolean;
}

/**
 * The job line an armed driver reads (see `Recipe.armed`): the run's marker, CPU seconds and encoded files,
 * NUL-separated (none of them holds a NUL or a newline: the marker is hex, the files' words are names that
 * pass `isSafeFileName`, counts and base64). No JSON: the driver then imports nothing to read it.
 */
export function armedJob(marker: string, cpuSeconds: number, words: string[]): string {
  return `${[marker, String(cpuSeconds), ...words].join('\0')}\n`;
}

/** The command a warm container starts ahead of time (see `Recipe.armed`). */
export function armedCommand(): string[] {
  return ['python3', '-u', '-c', PYTHON_DRIVER, '-'];
}

/**
 * Python with no shell in between (a process start is most of a short run): this driver writes the files
 * from its argv, attaches stdin, caps CPU time, compiles main.py (a SyntaxError is the compile error),
 * prints the run's marker, then runs the program as `__main__` in a fresh module, with tracebacks that
 * start at the program's own frames. Matplotlib's figures are sent as they are shown (see \`FIGURES_HOOK\`).
 */
export const PYTHON_DRIVER = `import sys, os, binascii, resource
if sys.argv[1:] == ['-']:
    # Armed ahead of the run: the job arrives as one line on stdin, its words NUL-separated (see \`armedJob\`).
    job = sys.stdin.buffer.readline().rstrip(b'\\n')
    if not job:
        sys.exit(0)
    job = job.decode('utf-8').split('\\0')
    marker, cpu, words = job[0], int(job[1]), job[2:]
else:
    marker, cpu, words = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
os.chdir('/sandbox')
count, i = int(words[0]), 1
for _ in range(count):
    name, parts = words[i], int(words[i + 1])
    i += 2
    if '/' in name:
        os.makedirs(os.path.dirname(name), exist_ok=True)
    with open(name, 'wb') as out:
        for part in words[i:i + parts]:
            out.write(binascii.a2b_base64(part))
    i += parts
fd = os.open('.stdin' if os.path.exists('.stdin') else os.devnull, os.O_RDONLY)
os.dup2(fd, 0)
os.close(fd)
try:
    with open('main.py', 'rb') as source:
        code = compile(source.read(), 'main.py', 'exec')
except (SyntaxError, ValueError) as error:
    import traceback
    sys.stderr.write(''.join(traceback.format_exception_only(type(error), error)))
    sys.exit(1)
def hook(kind, value, tb):
    import traceback
    while tb is not None and tb.tb_frame.f_code.co_filename != 'main.py':
        tb = tb.tb_next
    traceback.print_exception(kind, value, tb)
sys.excepthook = hook
sys.argv = ['main.py']
sys.path[0] = '/sandbox'
${FIGURES_HOOK}
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
sys.stderr.write(marker)
sys.stderr.flush()
main = type(sys)('__main__')
main.__file__ = 'main.py'
main.__builtins__ = __builtins__
sys.modules['__main__'] = main
try:
    exec(code, main.__dict__)
finally:
    _arena_figures_at_exit()
`;

const JAVA_PUBLIC_CLASS = /^\s*public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)/m;
const JAVA_CLASS = /\b(?:class|record|enum|interface)\s+([A-Za-z_$][\w$]*)/g;
const JAVA_MAIN = /\bstatic\s+(?:public\s+)?void\s+main\s*\(/;

/** The class declared last before `main`: the one that holds it (nested types aside). */
function javaMainClass(code: string): string | undefined {
  const at = JAVA_MAIN.exec(code)?.index;
  if (at === undefined) return undefined;
  let name: string | undefined;
  for (const m of code.matchAll(JAVA_CLASS)) if (m.index < at) name = m[1];
  return name;
}
const JAVA_PACKAGE = /^\s*package\s+([\w.]+)\s*;/m;
const ES_MODULE = /^\s*(import\s*[\w*{'"]|export\s)|^(?:\s*(?:const|let|var)\s+[\w{}[\],\s]+=\s*)?await\s/m;

function javaRecipe(code: string, memoryMb: number): Recipe {
  // javac wants a public class in a file of its name; the JVM wants the class that holds main.
  const file = JAVA_PUBLIC_CLASS.exec(code)?.[1] ?? javaMainClass(code) ?? 'Main';
  const main = javaMainClass(code) ?? file;
  const pkg = JAVA_PACKAGE.exec(code)?.[1];
  const heap = Math.max(32, Math.floor(memoryMb * 0.6));
  const jvm = `-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -Xss8m`;
  return {
    file: `${file}.java`,
    compile: `javac -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1 -J-Xmx256m -encoding UTF-8 -d . ${file}.java`,
    run: `java ${jvm} -Xmx${heap}m -cp . ${pkg ? `${pkg}.` : ''}${main}`,
    minMemoryMb: 512,
    minProcesses: 64,
  };
}

/** The recipe for an environment, or undefined when the container runner does not run it. */
export function recipeFor(environment: Environment, code: string, memoryMb: number): Recipe | undefined {
  switch (environment) {
    case 'python':
      return {
        file: 'main.py',
        run: 'python3 -u main.py',
        direct: (marker, cpuSeconds, files) => [
          'python3',
          '-u',
          '-c',
          PYTHON_DRIVER,
          marker,
          String(cpuSeconds),
          ...files,
        ],
        armed: true,
        minMemoryMb: 64,
        minProcesses: 8,
      };
    case 'c':
      return {
        file: 'main.c',
        compile: 'gcc -O2 -std=gnu17 -pipe -o main main.c -lm',
        run: './main',
        minMemoryMb: 256,
        minProcesses: 16,
      };
    case 'cpp':
      return {
        file: 'main.cpp',
        compile: 'g++ -O2 -std=gnu++20 -pipe -o main main.cpp',
        run: './main',
        minMemoryMb: 384,
        minProcesses: 16,
      };
    case 'java':
      return javaRecipe(code, memoryMb);
    case 'go':
      return {
        file: 'main.go',
        compile: 'go build -o main main.go',
        run: './main',
        minMemoryMb: 512,
        minProcesses: 64,
      };
    case 'rust':
      return {
        file: 'main.rs',
        compile: 'rustc --edition 2021 -C opt-level=1 -o main main.rs',
        run: './main',
        minMemoryMb: 512,
        minProcesses: 32,
      };
    case 'bash':
      return { file: 'main.sh', compile: 'bash -n main.sh', run: 'bash main.sh', minMemoryMb: 32, minProcesses: 8 };
    case 'javascript':
    case 'typescript': {
      // TypeScript arrives transpiled by the host; the extension tells Node which module system the code uses.
      const file = ES_MODULE.test(code) ? 'main.mjs' : 'main.cjs';
      const heap = Math.max(32, Math.floor(memoryMb * 0.75));
      return { file, run: `node --max-old-space-size=${heap} ${file}`, minMemoryMb: 128, minProcesses: 16 };
    }
    case 'streamlit':
    case 'gradio':
    case 'pygame':
    case 'html':
    case 'react':
    case 'vue':
    case 'svg':
    case 'mermaid':
    case 'none':
      return undefined;
  }
}

/** The environment variables every program sees: nothing of the host's. */
export const SANDBOX_ENV: readonly string[] = [
  'PATH=/usr/local/bin:/usr/bin:/bin',
  'HOME=/sandbox',
  'LANG=C.UTF-8',
  'TMPDIR=/tmp',
  'PYTHONUNBUFFERED=1',
  'PYTHONDONTWRITEBYTECODE=1',
  'MPLBACKEND=Agg',
  'MPLCONFIGDIR=/tmp/matplotlib',
  'GOCACHE=/sandbox/.cache/go',
  'GOPATH=/sandbox/.go',
  'GO111MODULE=off',
  'CGO_ENABLED=0',
  'GOFLAGS=-buildvcs=false',
];
