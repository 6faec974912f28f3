/**
 * `arena eval` throughput: tasks per second through the Docker warm pool (the arena's DockerRunner, as
 * `arena eval` runs them) against a plain `docker run` per task (same image, same hardening flags, the same
 * compile and run commands), on the same tasks: the first real HumanEval tasks (Python, when the shared data
 * is there) and the HumanEval-X task files of the eval tests (JavaScript, C++, Java, Go, Rust), each its
 * canonical solution assembled with its tests. Both sides run BENCH_EVAL_CONCURRENCY tasks at once, and every
 * run must pass. Needs a Docker engine with the sandbox image (`bash sandboxes/images/build.sh`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { assembleProgram, readTaskFile, type EvalLanguage, type EvalTask } from '@arena/judge';
import { DockerRunner } from '@arena/sandboxes';
import { REPO_ROOT, sharedData } from '@arena/testkit';
import { SANDBOX_IMAGE, dockerRunArgs } from './docker-baseline.js';
import { fmt, table } from './stats.js';

const CONCURRENCY = Number(process.env['BENCH_EVAL_CONCURRENCY'] ?? 2);
const PYTHON_TASKS = Number(process.env['BENCH_EVAL_PYTHON_TASKS'] ?? 20);
const IMAGE = SANDBOX_IMAGE;
const TASKS_DIR = path.join(REPO_ROOT, 'judge/test/eval/tasks');

/** How each language is built and run in a `docker run`: what the sandbox's recipes do, as one shell line. */
const COMMANDS: Partial<Record<EvalLanguage, { file: string; command: string; memoryMb: number }>> = {
  python: { file: 'main.py', command: 'python3 -u main.py', memoryMb: 128 },
  javascript: { file: 'main.js', command: 'node --max-old-space-size=96 main.js', memoryMb: 128 },
  cpp: { file: 'main.cpp', command: 'g++ -O2 -std=gnu++20 -pipe -o main main.cpp && ./main', memoryMb: 384 },
  java: {
    file: 'Main.java',
    command:
      'javac -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1 -J-Xmx256m -encoding UTF-8 -d . Main.java && ' +
      'java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -Xss8m -Xmx300m -cp . Main',
    memoryMb: 512,
  },
  go: { file: 'main.go', command: 'go build -o main main.go && ./main', memoryMb: 512 },
  rust: { file: 'main.rs', command: 'rustc --edition 2021 -C opt-level=1 -o main main.rs && ./main', memoryMb: 512 },
};

const dockerRun = (memoryMb: number): string[] =>
  dockerRunArgs(memoryMb, {
    interactive: true,
    env: [
      'HOME=/sandbox',
      'LANG=C.UTF-8',
      'GOCACHE=/sandbox/.cache/go',
      'GOPATH=/sandbox/.go',
      'GO111MODULE=off',
      'CGO_ENABLED=0',
      'GOFLAGS=-buildvcs=false',
    ],
  });

interface Job {
  language: EvalLanguage;
  id: string;
  code: string;
}

async function jobs(): Promise<Job[]> {
  const tasks: EvalTask[] = [];
  const shared = sharedData('bench eval-throughput (Python tasks)', ['humaneval']);
  if (!shared.missing)
    tasks.push(...(await readTaskFile(path.join(shared.dir, 'humaneval/HumanEval.jsonl.gz'))).slice(0, PYTHON_TASKS));
  for (const language of ['javascript', 'cpp', 'java', 'go', 'rust'])
    tasks.push(...(await readTaskFile(path.join(TASKS_DIR, `${language}.humaneval-x.jsonl`))));
  return tasks.map((t) => ({ language: t.language, id: t.id, code: assembleProgram(t, t.canonicalSolution!).code }));
}

function viaDockerRun(job: Job): Promise<void> {
  const recipe = COMMANDS[job.language]!;
  return new Promise((resolve, reject) => {
    const child = spawn(
      'docker',
      [...dockerRun(recipe.memoryMb), 'bash', '-c', `cat > ${recipe.file} && ${recipe.command}`],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker run ${job.id}: exit ${code}: ${stderr.slice(-500)}`)),
    );
    child.stdin.end(job.code);
  });
}

/** Every job, `width` at a time: the wall time of the whole set and of each language's jobs. */
async function timeAll(all: Job[], width: number, run: (job: Job) => Promise<void>) {
  const perLanguage = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < all.length) {
        const job = all[next++]!;
        const t = performance.now();
        await run(job);
        perLanguage.set(job.language, (perLanguage.get(job.language) ?? 0) + (performance.now() - t));
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, perLanguage };
}

const all = await jobs();
const runner = new DockerRunner({ image: IMAGE, poolSize: 4, maxConcurrent: CONCURRENCY });
if (!(await runner.start()))
  throw new Error(`no Docker engine with ${IMAGE}: ${JSON.stringify(runner.describeHosts())}`);
await new Promise((resolve) => setTimeout(resolve, 2_000));
const viaPool = async (job: Job): Promise<void> => {
  const result = await runner.run({
    environment: job.language,
    code: job.code,
    limits: { wallMs: 60_000, cpuMs: 10_000 },
    app: false,
  });
  if (result.status !== 'ok') throw new Error(`warm pool ${job.id}: ${result.status} ${result.message ?? ''}`);
};
// One pass of each first, so that neither side pays for a cold image or disk cache in its measurement; then
// the two sides in A-B-B-A order, so that a load that drifts (the machine is shared) weighs on both alike.
await timeAll(all.slice(0, 6), CONCURRENCY, viaPool);
await timeAll(all.slice(0, 6), CONCURRENCY, viaDockerRun);
const passes: { side: 'pool' | 'run'; seconds: number; perLanguage: Map<string, number> }[] = [];
for (const side of ['pool', 'run', 'run', 'pool'] as const)
  passes.push({ side, ...(await timeAll(all, CONCURRENCY, side === 'pool' ? viaPool : viaDockerRun)) });
await runner.close();
const total = (side: 'pool' | 'run') => {
  const mine = passes.filter((p) => p.side === side);
  const perLanguage = new Map<string, number>();
  for (const p of mine)
    for (const [l, ms] of p.perLanguage) perLanguage.set(l, (perLanguage.get(l) ?? 0) + ms / mine.length);
  return { seconds: mine.reduce((sum, p) => sum + p.seconds, 0) / mine.length, perLanguage };
};
const pool = total('pool');
const plain = total('run');

const counts = new Map<string, number>();
for (const job of all) counts.set(job.language, (counts.get(job.language) ?? 0) + 1);
console.log(
  `\narena eval: ${all.length} tasks (canonical solutions with their tests), ${CONCURRENCY} at once, ` +
    `warm pool against docker run per task (mean of two passes each, A-B-B-A)\n`,
);
console.log(
  table([
    ...[...counts].map(([language, n]) => {
      const a = pool.perLanguage.get(language)! / n;
      const b = plain.perLanguage.get(language)! / n;
      return {
        tasks: `${language} (${n})`,
        'docker run ms/task': fmt(b, 0),
        'warm pool ms/task': fmt(a, 0),
        'warm pool vs docker run': `${fmt(b / a, 2)}× faster`,
      };
    }),
    {
      tasks: `all (${all.length}), tasks/s`,
      'docker run ms/task': `${fmt(all.length / plain.seconds, 2)} tasks/s`,
      'warm pool ms/task': `${fmt(all.length / pool.seconds, 2)} tasks/s`,
      'warm pool vs docker run': `${fmt(plain.seconds / pool.seconds, 2)}× faster`,
    },
  ]),
);
