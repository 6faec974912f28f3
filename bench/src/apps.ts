/**
 * Live apps (issue 16), measured side by side in one run, BENCH_ROUNDS rounds (default 3):
 *  1. time from `code:ready` to the app's first byte through the arena's proxy, for a real recorded Streamlit
 *     answer (Arena-Hard 61eb140b…, both sides replayed), against the same program's own start-up time in a
 *     plain `docker run` container (same image, same Streamlit flags; both sides at once, as in a battle):
 *     from `docker run` to its first byte.
 *     Target: within 1.3×.
 *  2. a normal Python run's latency (`print`) on the sandbox with no app live, and with 10 apps live.
 * The display's first frame is bench/src/display.ts's.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CodeReady, RunEnd } from '@arena/contracts';
import { DockerRunner, extractCode } from '@arena/sandboxes';
import { freshPostgresDatabase, sharedData } from '@arena/testkit';
import { connect } from './arena-client.js';
import { SANDBOX_IMAGE } from './docker-baseline.js';
import { startArena } from './processes.js';
import { fmt, summarize, table } from './stats.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const RUNS = Number(process.env['BENCH_PY_RUNS'] ?? 15);
const UID = '61eb140b72ae4802b314a7b828c3ba4b';
const MODELS = ['gpt-4-0613', 'gpt-3.5-turbo-0125'];

const data = sharedData('apps bench', ['arena-hard-v0.1']);
if (data.missing) process.exit(0);
const hard = path.join(data.dir, 'arena-hard-v0.1');
const prompt = (() => {
  for (const line of readFileSync(path.join(hard, 'question.jsonl'), 'utf8').split('\n'))
    if (line.includes(UID)) {
      const row = JSON.parse(line) as { prompt?: string; turns?: { content: string }[] };
      return row.prompt ?? row.turns?.[0]?.content ?? '';
    }
  throw new Error(`no question ${UID}`);
})();
const programs = MODELS.map((model) => {
  for (const line of readFileSync(path.join(hard, 'model_answer', `${model}.jsonl`), 'utf8').split('\n'))
    if (line.includes(UID)) {
      const row = JSON.parse(line) as { messages: { content: string | { answer: string } }[] };
      const content = row.messages.at(-1)!.content;
      return extractCode(typeof content === 'string' ? content : content.answer)!.code;
    }
  throw new Error(`no answer of ${model}`);
});

/** Poll until an HTTP server answers: the time of its first byte. */
async function firstByte(url: string, deadlineMs = 120_000): Promise<number> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(url, { agent: false, timeout: 2_000 }, (res) => {
        res.once('data', () => resolve(true));
        res.once('end', () => resolve(true));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (ok) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} never answered`);
}

/** The same program in a plain container on the default bridge: `docker run` to its first byte. */
async function plainStartup(code: string): Promise<number> {
  const name = `bench-app-${process.pid}-${Date.now()}`;
  const started = performance.now();
  await run('docker', [
    'run',
    '-d',
    '--rm',
    '--name',
    name,
    '--init',
    '-m',
    '768m',
    '--cpus',
    '1',
    '-u',
    '1000:1000',
    '--tmpfs',
    '/sandbox:rw,exec,size=64m,uid=1000,gid=1000,mode=700',
    '-w',
    '/sandbox',
    '-e',
    'HOME=/sandbox',
    SANDBOX_IMAGE,
    'sh',
    '-c',
    'printf "%s" "$0" > main.py && exec python3 -m streamlit run main.py --server.port 8501 --server.address 0.0.0.0 --server.headless true --server.fileWatcherType none --browser.gatherUsageStats false',
    code,
  ]);
  try {
    const { stdout } = await run('docker', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]);
    return (await firstByte(`http://${stdout.trim()}:8501/`)) - started;
  } finally {
    await run('docker', ['rm', '-f', name]).catch(() => undefined);
  }
}

/** The built arena, once for every round (on PostgreSQL: it starts in seconds). */
async function startBenchArena(): Promise<{ url: string; stop: () => Promise<void> }> {
  const models = MODELS.map((model) => ({
    id: `replay-${model}`,
    name: model,
    provider: 'replay',
    answersFile: path.join(hard, 'model_answer', `${model}.jsonl`),
    questionsFile: path.join(hard, 'question.jsonl'),
    tokensPerSecond: 20_000,
  }));
  const database = await freshPostgresDatabase('arena_bench_apps');
  const arena = await startArena(models, {
    ARENA_SANDBOX_POOL: '0',
    ARENA_APPS_PER_HOST: '20',
    DATABASE_URL: database.url,
  });
  return {
    url: arena.url,
    stop: async () => {
      await arena.stop();
      await database.drop();
    },
  };
}

/** One battle: `code:ready` to the first byte of each side's app through the proxy. */
async function throughArena(url: string): Promise<number[]> {
  const times: number[] = [];
  const client = await connect(url);
  const ready = new Map<string, number>();
  client.on('code:ready', (payload: CodeReady) => ready.set(`${payload.battleId}:${payload.side}`, performance.now()));
  try {
    await new Promise<void>((resolve, reject) => {
      let pending = 2;
      client.on('run:end', (end: RunEnd) => {
        const start = ready.get(`${end.battleId}:${end.side}`);
        if (start === undefined) return;
        if (end.preview?.kind !== 'app') return reject(new Error(`run ended ${end.status} without an app`));
        firstByte(`${url}${end.preview.url}`).then((at) => {
          times.push(at - start);
          if (--pending === 0) resolve();
        }, reject);
      });
      void client.emitWithAck('battle:create', { prompt }).then((ack) => {
        if (!ack.ok) reject(new Error(ack.error.message));
      });
    });
  } finally {
    client.disconnect();
  }
  return times;
}

async function pythonLatency(runner: DockerRunner): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = await runner.run({ environment: 'python', code: 'print(sum(range(1000)))' });
    if (result.status !== 'ok') throw new Error(`python run ended ${result.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

const HTTP_APP = `import http.server
http.server.ThreadingHTTPServer(('', 8000), http.server.SimpleHTTPRequestHandler).serve_forever()`;

async function main(): Promise<void> {
  const rows: Record<string, string>[] = [];
  const ratios: number[] = [];
  const arenaProcess = await startBenchArena();
  for (let round = 0; round < ROUNDS; round++) {
    // Both sides start at once in a battle: so do their plain containers.
    const plain = await Promise.all(programs.map((code) => plainStartup(code)));
    const arena = await throughArena(arenaProcess.url);
    const p = summarize(plain).mean;
    const a = summarize(arena).mean;
    ratios.push(a / p);
    rows.push({
      round: String(round + 1),
      'plain docker run → first byte (ms)': fmt(p, 0),
      'code:ready → first byte via proxy (ms)': fmt(a, 0),
      ratio: fmt(a / p, 2),
    });
  }
  await arenaProcess.stop();
  console.log('Streamlit app (recorded answer, both sides), first byte');
  console.log(table(rows));
  const r = summarize(ratios);
  console.log(
    `ratio over ${ROUNDS} rounds: mean ${fmt(r.mean)}, min ${fmt(Math.min(...ratios))}, max ${fmt(r.max)} (target ≤ 1.30)`,
  );

  const runner = new DockerRunner({ poolSize: 2, sweepEveryMs: 0, apps: { perHost: 12 } });
  await runner.start();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const latencyRows: Record<string, string>[] = [];
  const latencyRatios: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const none = summarize(await pythonLatency(runner));
      const apps = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          runner.run({ environment: 'python', code: HTTP_APP, appOwner: `bench${round}-${i}:0:a` }),
        ),
      );
      if (apps.some((app) => app.preview?.kind !== 'app')) throw new Error('an app did not start');
      const live = summarize(await pythonLatency(runner));
      for (let i = 0; i < 10; i++) await runner.apps?.removeBattle(`bench${round}-${i}`);
      latencyRatios.push(live.p50 / none.p50);
      latencyRows.push({
        round: String(round + 1),
        'no app live p50 (ms)': fmt(none.p50, 0),
        'no app live p90 (ms)': fmt(none.p90, 0),
        '10 apps live p50 (ms)': fmt(live.p50, 0),
        '10 apps live p90 (ms)': fmt(live.p90, 0),
        'ratio p50': fmt(live.p50 / none.p50, 2),
      });
    }
  } finally {
    await runner.close();
  }
  console.log(`\nNormal Python run (${RUNS} runs each), sandbox latency with no app live and with 10 live`);
  console.log(table(latencyRows));
  console.log(
    `p50 ratio over ${ROUNDS} rounds: mean ${fmt(summarize(latencyRatios).mean)}, min ${fmt(Math.min(...latencyRatios))}, max ${fmt(Math.max(...latencyRatios))}`,
  );
}

await main();
