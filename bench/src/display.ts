/**
 * A display's first frame (issue 16), beside its baseline in the same run:
 *  - through the arena: the built arena process (demo models), a battle, then `run:request` of a PyGame program
 *    by its creator; from the request to the first framebuffer update with the program's colour, read by a VNC
 *    client through the arena's app proxy (`/api/apps/<token>/?token=view`). Each run replaces the last.
 *  - baseline: the same program under the same launcher in a plain `docker run` of the same image, from the
 *    `docker run` to the same first frame read straight from the container's websockify (no arena, no proxy).
 * BENCH_DISPLAY_RUNS runs each (default 5, at least 3). Needs Docker and the sandbox image; run from the repo
 * root after `npx nx run @arena/backend:build`.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { displayRecipeFor, DISPLAY_PORT } from '@arena/sandboxes';
import { freshPostgresDatabase, pixelAt, RfbClient, startArenaProcess } from '@arena/testkit';
import { connect, type ArenaClient } from './arena-client.js';
import { SANDBOX_IMAGE } from './docker-baseline.js';
import { fmt, summarize, table } from './stats.js';

const RUNS = Math.max(3, Number(process.env['BENCH_DISPLAY_RUNS'] ?? 5));
const MODELS = [
  { id: 'demo-cobalt', name: 'Demo Cobalt', provider: 'demo', style: 'python', tokensPerSecond: 2000 },
  { id: 'demo-dune', name: 'Demo Dune', provider: 'demo', style: 'python', tokensPerSecond: 2000 },
];
/** Fills the screen with the run's colour every frame. */
const game = (blue: number): string => `import pygame
pygame.init()
screen = pygame.display.set_mode((800, 600))
clock = pygame.time.Clock()
while True:
    for event in pygame.event.get():
        pass
    screen.fill((200, 30, ${blue}))
    pygame.display.flip()
    clock.tick(30)
`;

async function firstFrame(url: string, blue: number, deadline: number): Promise<void> {
  for (;;) {
    try {
      const client = await RfbClient.connect(url, 5_000);
      try {
        for (;;) {
          const [r, g, b] = pixelAt(await client.frame(), 200, 150);
          if (r === 200 && g === 30 && b === blue) return;
          if (Date.now() > deadline) throw new Error(`no frame of the program at ${url}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        client.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`docker ${args[0]}: ${err}`))));
  });
}

function answersHttp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', timeout: 500, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The baseline: `docker run` of the image with the launcher, on Docker's default bridge, read directly. */
async function plainContainer(blue: number): Promise<number> {
  const recipe = displayRecipeFor('pygame', game(blue));
  if (!recipe) throw new Error('no display recipe');
  const files = { ...recipe.files, [recipe.file]: game(blue) };
  const write = Object.keys(files)
    .map((name, i) => `printf %s "$F${i}" | base64 -d > ${name}`)
    .join(' && ');
  const started = performance.now();
  const name = `bench-display-${process.pid}-${blue}`;
  await docker([
    'run',
    '-d',
    '--rm',
    '--name',
    name,
    '--read-only',
    '--init',
    '--tmpfs',
    '/sandbox:rw,exec,size=64m,uid=1000,gid=1000,mode=700',
    '--tmpfs',
    '/tmp:rw,size=16m,mode=1777',
    '-m',
    '768m',
    '--cpus',
    '1',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '-u',
    '1000:1000',
    '-w',
    '/sandbox',
    ...Object.values(files).flatMap((content, i) => ['-e', `F${i}=${Buffer.from(content).toString('base64')}`]),
    ...recipe.env.flatMap((e) => ['-e', e]),
    SANDBOX_IMAGE,
    'sh',
    '-c',
    `mkdir -p .arena && ${write} && exec ${recipe.run}`,
  ]);
  try {
    const ip = await docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]);
    const deadline = Date.now() + 60_000;
    while (!(await answersHttp(ip, DISPLAY_PORT))) {
      if (Date.now() > deadline) throw new Error('the plain container did not serve its display');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await firstFrame(`ws://${ip}:${DISPLAY_PORT}/?token=view`, blue, deadline);
    return performance.now() - started;
  } finally {
    await docker(['rm', '-f', name]).catch(() => undefined);
  }
}

async function battle(client: ArenaClient): Promise<string> {
  const created = await client.emitWithAck('battle:create', { prompt: 'Write a tiny game' });
  if (!created.ok) throw new Error(created.error.message);
  const voting = new Promise<void>((resolve) => {
    client.on('battle:status', (event) => {
      if (event.battleId === created.battleId && event.status === 'voting') resolve();
    });
  });
  const watched = await client.emitWithAck('battle:watch', { battleId: created.battleId });
  if (!watched.ok) throw new Error(watched.error.message);
  if (watched.snapshot.status !== 'voting') await voting;
  return created.battleId;
}

/** Through the arena: `run:request` to the first frame through the app proxy. */
async function throughArena(arenaUrl: string, client: ArenaClient, battleId: string, blue: number): Promise<number> {
  const started = performance.now();
  const ack = await client.emitWithAck('run:request', { battleId, side: 'a', code: game(blue) });
  if (!ack.ok) throw new Error(ack.error.message);
  const end = await new Promise<{ status: string; url?: string }>((resolve) => {
    const onEnd = (event: { runId: string; status: string; preview?: { kind: string; url?: string } }): void => {
      if (event.runId !== ack.runId) return;
      client.off('run:end', onEnd);
      resolve({ status: event.status, ...(event.preview?.url ? { url: event.preview.url } : {}) });
    };
    client.on('run:end', onEnd);
  });
  if (end.status !== 'ok' || !end.url) throw new Error(`the display run ended ${end.status}`);
  const ws = arenaUrl.replace(/^http/, 'ws');
  await firstFrame(`${ws}${end.url}?token=view`, blue, Date.now() + 60_000);
  return performance.now() - started;
}

const database = await freshPostgresDatabase('bench_display');
const arena = await startArenaProcess(MODELS, { ARENA_APP_TTL_MS: '5000', DATABASE_URL: database.url });
try {
  const client = await connect(arena.url);
  const battleId = await battle(client);
  const arenaTimes: number[] = [];
  const plainTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so that both see the same machine load.
    arenaTimes.push(await throughArena(arena.url, client, battleId, 40 + i));
    plainTimes.push(await plainContainer(100 + i));
  }
  client.close();
  const a = summarize(arenaTimes);
  const p = summarize(plainTimes);
  console.log(`display first frame, ${RUNS} runs each (ms)`);
  console.log(
    table([
      { path: 'arena: run:request → first frame via proxy', ...row(a, arenaTimes) },
      { path: 'plain docker run → first frame, direct', ...row(p, plainTimes) },
    ]),
  );
  console.log(
    `ratio (median): ${fmt(a.p50 / p.p50)}x; every run: arena ${arenaTimes.map((t) => fmt(t, 0)).join(', ')}`,
  );
  console.log(`                          plain ${plainTimes.map((t) => fmt(t, 0)).join(', ')}`);
} finally {
  await arena.stop();
  await database.drop();
}

function row(s: ReturnType<typeof summarize>, values: number[]): Record<string, string> {
  return { min: fmt(Math.min(...values), 0), p50: fmt(s.p50, 0), max: fmt(s.max, 0), mean: fmt(s.mean, 0) };
}
