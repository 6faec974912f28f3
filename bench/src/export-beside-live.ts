/**
 * A data-set export beside a live battle: 1,000 watchers (BENCH_WATCHERS) on a streaming battle, their
 * token-to-client latency without and with a full `battles` JSONL export (a million rows: a database the export
 * bench filled and kept) running on the same server at the same time, and the export's rows/s alone and beside
 * the battle, in one run, BENCH_ROUNDS times (default 3) — for both export paths side by side on the same
 * database: on the server's event loop (ARENA_EXPORT_WORKERS=0, the path before issue 22 item 3) and in a
 * worker thread (the default); and PostgreSQL's own COPY of the same rows (psql, no arena code) beside the
 * battle, the floor on these cores; and the worker's export to a client that accepts gzip (`gzip`, decoded by curl on
 * the same cores). BENCH_EXPORT_NICE sets the worker's nice value (ARENA_EXPORT_NICE),
 * BENCH_PATHS the paths measured; BENCH_PATHS=probes measures, beside the same battle, loads of known kinds in
 * Linux's idle scheduling class (see `PROBES`): what costs the watchers on these cores whatever its priority.
 *
 *   BENCH_DATASET_ROWS=1000000 BENCH_KEEP_DB=1 node bench/dist/datasets.js    # prints: kept database NAME
 *   BENCH_DATABASE=NAME node bench/dist/export-beside-live.js
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from './arena-client.js';
import { POSTGRES_COPY_SQL } from './postgres-copy.js';
import { startArena } from './processes.js';
import { RawWatcher } from './raw-watcher.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const WATCHERS = Number(process.env['BENCH_WATCHERS'] ?? 1000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const TOKENS_PER_SECOND = Number(process.env['BENCH_TOKENS_PER_SECOND'] ?? 10);
const DATABASE = process.env['BENCH_DATABASE'];
// BENCH_EXPORT_LIMIT_RATE (curl's --limit-rate, e.g. 40M): the download at most that fast, as over a slower link.
const LIMIT_RATE = /^\d+[kKmMgG]?$/.test(process.env['BENCH_EXPORT_LIMIT_RATE'] ?? '')
  ? `--limit-rate ${process.env['BENCH_EXPORT_LIMIT_RATE']}`
  : '';
const MODELS = [
  { id: 'bench-ts', name: 'Bench TS', provider: 'demo', style: 'typescript', tokensPerSecond: TOKENS_PER_SECOND },
  { id: 'bench-js', name: 'Bench JS', provider: 'demo', style: 'javascript', tokensPerSecond: TOKENS_PER_SECOND },
];

if (!DATABASE) {
  process.stderr.write(
    'BENCH_DATABASE must name a filled database: BENCH_DATASET_ROWS=1000000 BENCH_KEEP_DB=1 node bench/dist/datasets.js\n',
  );
  process.exit(2);
}

function databaseUrl(name: string): string {
  const base = new URL(process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test');
  base.pathname = `/${name}`;
  return base.toString();
}

interface ExportResult {
  rows: number;
  seconds: number;
}

/**
 * A pipeline into `wc -l` in a process of its own (`bash -c script name ...args`): the lines it counted (rows) and
 * how long it took.
 */
async function countedLines(name: string, script: string, ...args: string[]): Promise<ExportResult> {
  const started = performance.now();
  const child = spawn('bash', ['-o', 'pipefail', '-c', `${script} | wc -l`, name, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`${name} exited ${code}`);
  return { rows: Number(out.trim()), seconds: (performance.now() - started) / 1000 };
}

/**
 * The whole `battles` data set as JSONL through the server, counted (newlines) and dropped, by a client in a process
 * of its own (curl into wc): a researcher's download is not on the watchers' machine. Read here, on the event loop
 * that timestamps the watchers' frames, counting a million rows' newlines delayed those timestamps, which the p99
 * "with" then charged to the server.
 */
function exportAll(url: string, gzip = false): Promise<ExportResult> {
  return countedLines(
    gzip ? 'export client (gzip)' : 'export client',
    `curl -sS --fail ${gzip ? '--compressed' : ''} ${LIMIT_RATE} "$1"`,
    `${url}/api/datasets/battles.jsonl`,
  );
}

/** The same download by a client that accepts gzip (as browsers and Python's requests do), decoded by curl. */
const exportGzipped = (url: string): Promise<ExportResult> => exportAll(url, true);

/**
 * The baseline: PostgreSQL's own JSON export of the same rows (psql's COPY into wc), beside the battle. What the
 * database's serving of a million rows alone costs the watchers on the same cores, with no arena code in it.
 */
function postgresCopy(): Promise<ExportResult> {
  return countedLines('psql COPY', 'psql "$1" -q -c "$2"', databaseUrl(DATABASE!), POSTGRES_COPY_SQL);
}

/**
 * Loads of a known kind, each for 30 s in the idle scheduling class (SCHED_IDLE: run only when nothing else
 * wants the core, and preempted at once on a wake-up): on a kernel without preemption of kernel code
 * (`CONFIG_PREEMPT_NONE`, this machine's), what still delays the watchers is work a load does inside the kernel.
 * `$1` is the database's URL; the COPY's backend is moved to the idle class by its process id (as root).
 */
const PROBES: Record<string, string> = {
  'probe: 2 CPU spinners': `for i in 1 2; do timeout 30 chrt -i 0 sh -c 'while :; do :; done' & done; wait; true`,
  'probe: 2 memory copiers (64 MB)': `for i in 1 2; do timeout 30 chrt -i 0 python3 -c '
a = bytearray(64 << 20); b = bytearray(64 << 20)
while True: b[:] = a
' & done; wait; true`,
  'probe: a pipe (64 KB writes)': `timeout 30 chrt -i 0 dd if=/dev/zero bs=64k status=none | chrt -i 0 dd of=/dev/null bs=64k status=none; true`,
  'probe: binary COPY of export_parts': `copy="COPY export_parts TO STDOUT (FORMAT binary)"
    PGAPPNAME=bench-probe timeout 30 chrt -i 0 psql "$1" -q -c "$copy" -c "$copy" -c "$copy" -c "$copy" > /dev/null & p=$!
    for i in $(seq 100); do
      b=$(psql "$1" -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-probe'")
      if [ -n "$b" ]; then chrt -i -p 0 $b || echo "the COPY's backend stays in its class (not root?)" >&2; break; fi
      sleep 0.02
    done
    wait $p; true`,
};

/** A probe (`PROBES`) beside the battle: no rows. */
function probe(name: string): Promise<ExportResult> {
  return countedLines(name, PROBES[name]!, databaseUrl(DATABASE!));
}

/** One battle watched by `watchers`; the latencies of every delta from the moment all of them are in. */
async function watchedBattle(url: string, watchers: RawWatcher[], latencies: number[]): Promise<void> {
  const creator = await connect(url);
  try {
    const ack = await creator.emitWithAck('battle:create', { prompt: 'Print the first 20 Fibonacci numbers' });
    if (!ack.ok) throw new Error(ack.error.message);
    const ended = new Promise<void>((resolve) => {
      let sides = 0;
      creator.on('gen:end', () => {
        if (++sides === 2) resolve();
      });
    });
    for (let i = 0; i < watchers.length; i += 500)
      await Promise.all(watchers.slice(i, i + 500).map((w) => w.emit('battle:watch', { battleId: ack.battleId })));
    latencies.length = 0;
    await ended;
  } finally {
    creator.disconnect();
  }
}

interface PathResult {
  rows: Record<string, string | number>[];
  rates: { alone: number; beside: number }[];
  p99: number[];
}

/** No judge: the arena would otherwise start judging the million synthetic battles while the exports are timed. */
const judgesFile = path.join(await mkdtemp(path.join(tmpdir(), 'arena-bench-')), 'judges.json');
await writeFile(judgesFile, '[]');

/**
 * One arena with the export path `workers` (ARENA_EXPORT_WORKERS), ROUNDS rounds; `exporter` runs the export
 * (through the arena by default).
 */
async function measure(
  label: string,
  workers: string,
  exporter: (url: string) => Promise<ExportResult> = exportAll,
  /** Run the export alone too (a warm-up, then once a round before the battles): not for a probe. */
  alone = true,
): Promise<PathResult> {
  const result: PathResult = { rows: [], rates: [], p99: [] };
  const arena = await startArena(MODELS, {
    DATABASE_URL: databaseUrl(DATABASE!),
    ARENA_JUDGES_FILE: judgesFile,
    DOCKER_HOSTS: 'none',
    ARENA_PYODIDE: 'off',
    ARENA_RATE_LIMITS: 'create=1000/1000',
    ARENA_EXPORT_WORKERS: workers,
    ...(process.env['BENCH_EXPORT_NICE'] ? { ARENA_EXPORT_NICE: process.env['BENCH_EXPORT_NICE'] } : {}),
  });
  try {
    let latencies: number[] = [];
    const watchers: RawWatcher[] = [];
    while (watchers.length < WATCHERS) {
      const batch = Array.from(
        { length: Math.min(250, WATCHERS - watchers.length) },
        () => new RawWatcher(arena.url, (t) => latencies.push(Date.now() - t)),
      );
      await Promise.all(batch.map((w) => w.ready));
      watchers.push(...batch);
    }
    // A first export warms the server's caches (each battle's export parts are built once and kept).
    if (alone) await exporter(arena.url);
    for (let round = 1; round <= ROUNDS; round++) {
      const exportAlone: ExportResult = alone ? await exporter(arena.url) : { rows: 0, seconds: 1 };
      latencies = [];
      await watchedBattle(arena.url, watchers, latencies);
      const quiet: Summary = summarize(latencies.splice(0));
      const beside = exporter(arena.url);
      await watchedBattle(arena.url, watchers, latencies);
      const busy: Summary = summarize(latencies.splice(0));
      const together = await beside;
      const rateAlone = exportAlone.rows / exportAlone.seconds;
      const rateBeside = together.rows / together.seconds;
      const rates = exportAlone.rows === 0 ? '—' : `${Math.round(rateAlone)} / ${Math.round(rateBeside)}`;
      result.rates.push({ alone: rateAlone, beside: rateBeside });
      result.p99.push(busy.p99 / quiet.p99);
      result.rows.push({
        path: label,
        round,
        'rows exported': together.rows,
        'delta p50 ms without / with': `${fmt(quiet.p50, 0)} / ${fmt(busy.p50, 0)}`,
        'delta p99 ms without / with': `${fmt(quiet.p99, 0)} / ${fmt(busy.p99, 0)}`,
        'p99 ratio': fmt(busy.p99 / quiet.p99),
        'rows/s alone / beside': rates,
        'rows/s ratio': exportAlone.rows === 0 ? '—' : fmt(rateBeside / rateAlone),
      });
      process.stdout.write(`done: ${label}, round ${round}\n`);
    }
    for (const w of watchers) w.close();
  } finally {
    await arena.stop();
  }
  return result;
}

// BENCH_PATHS (default: postgres,event loop,worker,gzip) picks the paths measured; `probes` adds the probes.
const PATHS = (process.env['BENCH_PATHS'] ?? 'postgres,event loop,worker,gzip').split(',');
const skipped: PathResult = { rows: [], rates: [], p99: [] };
const copy = PATHS.includes('postgres') ? await measure('PostgreSQL COPY', '2', postgresCopy) : skipped;
const before = PATHS.includes('event loop') ? await measure('event loop', '0') : skipped;
const after = PATHS.includes('worker') ? await measure('worker', '2') : skipped;
const gzipped = PATHS.includes('gzip') ? await measure('worker, gzip', '2', exportGzipped) : skipped;
const probes: [string, PathResult][] = [];
if (PATHS.includes('probes'))
  for (const name of Object.keys(PROBES)) probes.push([name, await measure(name, '2', () => probe(name), false)]);
const spread = (values: number[]): string =>
  values.length === 0
    ? 'not measured'
    : `${fmt(Math.min(...values))}–${fmt(Math.max(...values))} (median ${fmt([...values].sort((a, b) => a - b)[values.length >> 1]!)})`;
/** Round by round, `of`'s figure against `against`'s (none when either path was not measured). */
const roundByRound = <T>(of: T[], against: T[], figure: (t: T) => number): number[] =>
  against.length === 0 ? [] : of.map((t, i) => figure(t) / figure(against[i]!));
const rateRatio = (pick: 'alone' | 'beside'): number[] => roundByRound(after.rates, before.rates, (r) => r[pick]);
process.stdout.write(
  `\nexport beside a live battle: ${WATCHERS} watchers, ${TOKENS_PER_SECOND} tokens/s per side; the battles data set ` +
    `of database ${DATABASE} as JSONL through the same server, on the event loop (before) and in a worker thread ` +
    `(after), and PostgreSQL's own COPY of the same rows (psql, no arena code: the baseline); load generator on the ` +
    `same 2 cores\n\n${table([...copy.rows, ...before.rows, ...after.rows, ...gzipped.rows, ...probes.flatMap(([, p]) => p.rows)])}\n\n` +
    `p99 ratio: watchers' delta p99 with the export running against without (target at most 1.20)\n` +
    `  PostgreSQL COPY: ${spread(copy.p99)}\n  event loop:      ${spread(before.p99)}\n  worker:          ${spread(after.p99)}\n` +
    `  worker, gzip:    ${spread(gzipped.p99)}\n` +
    `  worker, gzip against worker, round by round: ${spread(roundByRound(gzipped.p99, after.p99, (r) => r))}\n` +
    `  worker, gzip rows/s against worker, round by round: alone ${spread(roundByRound(gzipped.rates, after.rates, (r) => r.alone))}, beside ${spread(roundByRound(gzipped.rates, after.rates, (r) => r.beside))}\n` +
    `  worker against PostgreSQL COPY, round by round: ${spread(roundByRound(after.p99, copy.p99, (r) => r))}\n` +
    `worker rows/s against the event loop's, round by round (target at least 0.80):\n` +
    `  alone:  ${spread(rateRatio('alone'))}\n  beside: ${spread(rateRatio('beside'))}\n` +
    `  worker beside against event loop alone: ${spread(before.rates.length === 0 ? [] : after.rates.map((r, i) => r.beside / before.rates[i]!.alone))}\n` +
    probes.map(([name, p]) => `${name}, p99 ratio: ${spread(p.p99)}\n`).join(''),
);
