/**
 * Data-set export throughput: N synthetic battles (BENCH_DATASET_ROWS, default 1,000,000; one vote each, with
 * conversations, code and executions) exported as JSONL and as Parquet through the running arena and through
 * `arena export` in its own process — rows per second and each process's peak memory — against PostgreSQL's
 * own JSON export of the same rows (COPY … TO STDOUT), side by side; and the bigcodereward data set without and
 * with screenshots (BENCH_SCREENSHOT_ROWS battles with a 45 kB picture on each side's run, default 5,000, then
 * BENCH_SCREENSHOT_ROWS_MORE, default 4× as many: the server's peak memory must not grow with them).
 */
import { POSTGRES_COPY_SQL } from './postgres-copy.js';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startArenaProcess, REPO_ROOT, CLI_NODE_FLAGS, SERVER_NODE_FLAGS } from '@arena/testkit';
import pg from 'pg';
import { fmt, table } from './stats.js';

const ROWS = Number(process.env['BENCH_DATASET_ROWS'] ?? 1_000_000);
const ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
// BENCH_DATABASE names a database a previous run kept (BENCH_KEEP_DB=1): it is used as it is, not filled again.
const reused = process.env['BENCH_DATABASE'];
const database = reused ?? `arena_bench_${Date.now().toString(36)}`;

function url(db: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql);
  await client.end();
}

/** Synthetic battles written by SQL (generate_series), so filling the database is not what is measured. */
async function populate(db: string): Promise<void> {
  const client = new pg.Client({ connectionString: url(db) });
  await client.connect();
  const answer = (side: string) =>
    `'Here is a solution from side ${side} for request ' || g || E'.\\n\\n\`\`\`javascript\\nfunction solve(n) {\\n  let total = 0;\\n  for (let i = 0; i < n; i++) total += i * ' || (g % 97) || E';\\n  return total;\\n}\\nconsole.log(solve(' || (g % 1000) || E'));\\n\`\`\`\\n\\nIt runs in linear time and prints the sum.'`;
  await client.query(
    `INSERT INTO models (id, name, provider, weight) SELECT 'bench-' || i, 'Bench model ' || i, 'demo', 1 FROM generate_series(0, 19) i`,
  );
  await client.query(`CREATE TEMP TABLE ids AS SELECT g, md5(g::text)::uuid AS id FROM generate_series(1, ${ROWS}) g`);
  await client.query(`INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, winner, created_at)
    SELECT id, 'revealed', (ARRAY['web_design','problem_solving','game_development'])[1 + g % 3], 'bench-' || (g % 20), 'bench-' || ((g + 7) % 20),
           'voter-' || (g % 5000), (ARRAY['model_a','model_b','tie','tie (bothbad)'])[1 + g % 4], now() - (g || ' seconds')::interval FROM ids`);
  await client.query(
    `INSERT INTO turns (id, battle_id, turn, prompt) SELECT md5('t' || g)::uuid, id, 0, 'Write a program that sums the first ' || g || ' multiples of ' || (g % 97) FROM ids`,
  );
  for (const side of ['a', 'b']) {
    await client.query(`INSERT INTO side_messages (id, battle_id, turn, side, model_id, text, finish_reason)
      SELECT md5('m${side}' || g)::uuid, id, 0, '${side}', 'bench-' || (g % 20), ${answer(side)}, 'stop' FROM ids`);
    await client.query(`INSERT INTO code_extractions (id, battle_id, turn, side, environment, language, code, block_count)
      SELECT md5('c${side}' || g)::uuid, id, 0, '${side}', 'javascript', 'javascript', 'function solve(n) { let t = 0; for (let i = 0; i < n; i++) t += i; return t; }\nconsole.log(solve(' || g || '));', 1 FROM ids`);
    await client.query(`INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, status, exit_code, output, stdout, stderr, duration_ms, created_at)
      SELECT md5('e${side}' || g)::uuid, id, 0, '${side}', 'javascript', 'isolated-vm', 'console.log(1)', 'ok', 0, (g * 31) || E'\\n', (g * 31) || E'\\n', '', 12, now() FROM ids`);
  }
  await client.query(`INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
    SELECT md5('v' || g)::uuid, id, 'voter-' || (g % 5000), (ARRAY['model_a','model_b','tie','tie (bothbad)'])[1 + g % 4], now() - (g || ' seconds')::interval FROM ids`);
  // As autovacuum leaves a table in the normal course (visibility map set, statistics current).
  await client.query('VACUUM ANALYZE');
  await client.end();
}

/**
 * Battles whose runs get a screenshot for the bigcodereward export with pictures (both sides: 90 kB a battle),
 * first SHOT_ROWS of them, then SHOT_ROWS_MORE (default 4×): the server's peak memory at the two sizes says
 * whether the export streams the pictures (it should not grow with them).
 */
const SHOT_ROWS = Math.min(ROWS, Number(process.env['BENCH_SCREENSHOT_ROWS'] ?? 5_000));
const SHOT_ROWS_MORE = Math.min(ROWS, Number(process.env['BENCH_SCREENSHOT_ROWS_MORE'] ?? 4 * SHOT_ROWS));

/**
 * Gives both runs of the newest `battles` battles a 45 kB picture (a 1024×768 JPEG's usual size): random bytes,
 * which neither PostgreSQL's TOAST nor anything else compresses, as a JPEG's are not, and which the export
 * base64-encodes as it would a JPEG. 64 distinct pictures are made once and copied, so filling is quick.
 */
async function addScreenshots(db: string, battles: number): Promise<void> {
  const client = new pg.Client({ connectionString: url(db) });
  await client.connect();
  await client.query(`CREATE TABLE IF NOT EXISTS bench_pictures AS
    SELECT i, (SELECT decode(string_agg(md5(i::text || '-' || j), ''), 'hex') FROM generate_series(1, 2880) j) AS jpeg
      FROM generate_series(0, 63) i`);
  await client.query(`INSERT INTO run_screenshots (run_id, jpeg, width, height, source)
    SELECT e.id, p.jpeg, 1024, 768, 'preview'
      FROM executions e JOIN bench_pictures p ON p.i = abs(hashtext(e.id::text)) % 64
     WHERE e.battle_id IN (SELECT b.id FROM battles b ORDER BY b.created_at DESC LIMIT ${battles})
    ON CONFLICT (run_id) DO NOTHING`);
  await client.end();
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Peak RSS of a process while `work` runs (sampled every 50 ms). */
async function peakRss<T>(pid: number, work: Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = 0;
  const sample = (): void => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process has exited
    }
  };
  sample();
  const sampler = setInterval(sample, 50);
  try {
    return { result: await work, peakMb: peak };
  } finally {
    clearInterval(sampler);
  }
}

/** `arena export` (the offline export, one process of its own) of the battles data set into a file. */
async function cliExport(
  db: string,
  format: string,
  dir: string,
): Promise<{ seconds: number; bytes: number; peakMb: number }> {
  const out = path.join(dir, `battles.${format}`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      // As its first line runs it.
      ...CLI_NODE_FLAGS,
      path.join(REPO_ROOT, 'backend/dist/cli/arena.js'),
      'export',
      '--dataset',
      'battles',
      '--format',
      format,
      '--out',
      out,
    ],
    { env: { ...process.env, DATABASE_URL: url(db), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const { peakMb } = await peakRss(
    child.pid!,
    new Promise<void>((resolve, reject) =>
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`arena export exited ${code}`)))),
    ),
  );
  return { seconds: (performance.now() - started) / 1000, bytes: statSync(out).size, peakMb };
}

async function timedDownload(target: string, pid: number): Promise<{ seconds: number; bytes: number; peakMb: number }> {
  const started = performance.now();
  const download = async (): Promise<number> => {
    const response = await fetch(target);
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    let bytes = 0;
    for await (const chunk of response.body) bytes += (chunk as Uint8Array).byteLength;
    return bytes;
  };
  const { result: bytes, peakMb } = await peakRss(pid, download());
  return { seconds: (performance.now() - started) / 1000, bytes, peakMb };
}

/** PostgreSQL's own JSON export of the same rows, through psql's COPY, as the baseline. */
function postgresCopy(db: string): Promise<{ seconds: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const psql = spawn('psql', [url(db), '-q', '-c', POSTGRES_COPY_SQL], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let bytes = 0;
    psql.stdout.on('data', (d: Buffer) => (bytes += d.length));
    psql.on('error', reject);
    psql.on('exit', (code) =>
      code === 0
        ? resolve({ seconds: (performance.now() - started) / 1000, bytes })
        : reject(new Error(`psql ${code}`)),
    );
  });
}

if (!reused) await admin(`CREATE DATABASE ${database}`);
const judgesFile = path.join(await mkdtemp(path.join(tmpdir(), 'arena-bench-')), 'judges.json');
await writeFile(judgesFile, '[]');
try {
  const start = (): ReturnType<typeof startArenaProcess> =>
    startArenaProcess(
      [
        { id: 'd1', name: 'D1', provider: 'demo', style: 'javascript' },
        { id: 'd2', name: 'D2', provider: 'demo', style: 'typescript' },
      ],
      {
        DATABASE_URL: url(database),
        // No judge: the arena would otherwise start judging the million synthetic battles (its catch-up of
        // battles left unjudged) while the exports are timed.
        ARENA_JUDGES_FILE: judgesFile,
        // BENCH_SERVER_NODE_OPTIONS (e.g. --max-old-space-size=160) caps the server's heap to see how much of its
        // peak RSS is garbage not yet collected.
        ...(process.env['BENCH_SERVER_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_SERVER_NODE_OPTIONS'] } : {}),
      },
    );
  let arena = await start();
  try {
    const filled = performance.now();
    if (!reused) {
      await populate(database);
      process.stderr.write(`populated ${ROWS} battles in ${((performance.now() - filled) / 1000).toFixed(1)} s\n`);
    }
    let pid = arena.child.pid!;
    const baseline = await postgresCopy(database);
    // The synthetic votes were written by SQL, so no vote built its battle's export parts as the arena does
    // when a vote is committed: the first export builds them (timed and shown apart), the next ones read them.
    const first = await timedDownload(`${arena.url}/api/datasets/battles.jsonl`, pid);
    // The timed exports run on a fresh server, as after votes built their parts in the normal course: the
    // heap the first export grew is not theirs.
    await arena.stop();
    arena = await start();
    pid = arena.child.pid!;
    // The server settles (its sandbox workers start) before its idle memory is read.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idle = rssMb(pid);
    const jsonl = await timedDownload(`${arena.url}/api/datasets/battles.jsonl`, pid);
    const parquet = await timedDownload(`${arena.url}/api/datasets/battles.parquet`, pid);
    const dir = await mkdtemp(path.join(tmpdir(), 'arena-bench-export-'));
    const cliJsonl = await cliExport(database, 'jsonl', dir);
    const cliParquet = await cliExport(database, 'parquet', dir);
    await rm(dir, { recursive: true, force: true });
    // bigcodereward without screenshots, then with a picture on both sides' runs of the first SHOT_ROWS battles
    // (45 kB each, a 1024×768 JPEG's usual size; random bytes, which the export base64-encodes as it would a JPEG).
    const bigcode = await timedDownload(`${arena.url}/api/datasets/bigcodereward.jsonl`, pid);
    await addScreenshots(database, SHOT_ROWS);
    const bigcodeShots = await timedDownload(`${arena.url}/api/datasets/bigcodereward.jsonl`, pid);
    await addScreenshots(database, SHOT_ROWS_MORE);
    const bigcodeMore = await timedDownload(`${arena.url}/api/datasets/bigcodereward.jsonl`, pid);
    const row = (name: string, r: { seconds: number; bytes: number; peakMb?: number }) => ({
      export: name,
      rows: ROWS,
      s: fmt(r.seconds, 2),
      'rows/s': Math.round(ROWS / r.seconds).toLocaleString('en'),
      MB: fmt(r.bytes / 1e6, 0),
      'peak RSS MB': r.peakMb === undefined ? '' : fmt(r.peakMb, 0),
      'vs PostgreSQL COPY': fmt(r.seconds / baseline.seconds, 2) + '×',
    });
    process.stdout.write(
      `\ndata set export: battles, ${ROWS.toLocaleString('en')} rows (server: node ${SERVER_NODE_FLAGS.join(' ')}, idle RSS ${fmt(idle, 0)} MB)\n\n` +
        table([
          row('baseline: PostgreSQL COPY of the same rows as JSON', baseline),
          row('server, JSONL, first export (builds the export parts)', first),
          row('server, JSONL (GET /api/datasets/battles.jsonl)', jsonl),
          row('server, Parquet', parquet),
          row('arena export --format jsonl (its own process)', cliJsonl),
          row('arena export --format parquet', cliParquet),
          row('server, bigcodereward JSONL, no screenshots', bigcode),
          row(`server, bigcodereward JSONL, screenshots on ${SHOT_ROWS.toLocaleString('en')} rows`, bigcodeShots),
          row(`server, bigcodereward JSONL, screenshots on ${SHOT_ROWS_MORE.toLocaleString('en')} rows`, bigcodeMore),
        ]) +
        `\nbigcodereward with screenshots on ${SHOT_ROWS.toLocaleString('en')} rows: ` +
        `${fmt(bigcode.seconds / bigcodeShots.seconds, 2)}× the rows/s without; on ${SHOT_ROWS_MORE.toLocaleString('en')}: ` +
        `${fmt(bigcode.seconds / bigcodeMore.seconds, 2)}×\n` +
        `peak RSS with ${fmt(bigcodeShots.bytes / 1e6, 0)} MB of export vs ${fmt(bigcodeMore.bytes / 1e6, 0)} MB: ` +
        `${fmt(bigcodeShots.peakMb, 0)} MB vs ${fmt(bigcodeMore.peakMb, 0)} MB (idle ${fmt(idle, 0)} MB): the pictures stream ` +
        `when the peak does not grow with them\n`,
    );
    await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
    await writeFile(
      path.join(REPO_ROOT, 'bench/results/datasets.json'),
      JSON.stringify(
        {
          rows: ROWS,
          idleMb: idle,
          baseline,
          first,
          jsonl,
          parquet,
          cliJsonl,
          cliParquet,
          bigcode,
          bigcodeShots,
          bigcodeMore,
        },
        null,
        2,
      ),
    );
  } finally {
    await arena.stop();
  }
} finally {
  // BENCH_KEEP_DB=1 keeps the filled database for profiling (its name is printed).
  if (reused) process.stderr.write(`left database ${database} as it was found\n`);
  else if (process.env['BENCH_KEEP_DB'] === '1') process.stderr.write(`kept database ${database}\n`);
  else await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
