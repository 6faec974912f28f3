/**
 * Screenshots of live apps and displays (issue 17 item 1) on the built arena, side by side in one run: the time
 * from a run's `run:end` to its `run:screenshot` for
 *  - a web preview (the baseline: the stored page rendered by the server's Chromium),
 *  - a live app (a Flask page, loaded from its container once the network is idle and the page still),
 *  - a display (a PyGame game, its frame grabbed from its X server after a click and a key press),
 * in each of BENCH_ROUNDS rounds (default 5) one battle of a React model against a Python model, whose Python side
 * the creator then re-runs as the app and then as the game. Prints p50/p90 per kind and the ratio to the
 * preview's. Every wait for an event is bounded (120 s): a loaded machine gives fewer numbers, not a hang.
 */
import { loadavg } from 'node:os';
import type { RunEnd, RunScreenshot } from '@arena/contracts';
import { freshPostgresDatabase } from '@arena/testkit';
import { connect, type ArenaClient } from './arena-client.js';
import { startArena } from './processes.js';
import { fmt, summarize, table } from './stats.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const WAIT_MS = 120_000;
const MODELS = [
  { id: 'shot-react', name: 'React', provider: 'demo', style: 'react', tokensPerSecond: 2_000 },
  { id: 'shot-python', name: 'Python', provider: 'demo', style: 'python', tokensPerSecond: 2_000 },
];

const APP = `from flask import Flask
app = Flask(__name__)

@app.route('/')
def index():
    rows = ''.join(f'<tr><td>{n}</td><td>{n * n}</td></tr>' for n in range(1, 9))
    return '<body style="font:20px sans-serif;background:#f4f1ea"><h1>Squares</h1><table>' + rows + '</table></body>'

app.run(host='127.0.0.1', port=8000)
`;

const GAME = `import pygame
pygame.init()
screen = pygame.display.set_mode((640, 480))
clock = pygame.time.Clock()
x = 60
while True:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            raise SystemExit
    x = (x + 4) % 640
    screen.fill((20, 90, 40))
    pygame.draw.circle(screen, (250, 220, 40), (x, 240), 40)
    pygame.display.flip()
    clock.tick(30)
`;

const started = performance.now();
function progress(message: string): void {
  const load = loadavg()[0]!.toFixed(1);
  process.stderr.write(
    `[live-shots +${((performance.now() - started) / 1000).toFixed(0)} s, load ${load}] ${message}\n`,
  );
}

/** Resolves with the first event `pick` accepts, or rejects after `ms`. */
function next<E extends 'run:end' | 'run:screenshot'>(
  socket: ArenaClient,
  event: E,
  pick: (payload: E extends 'run:end' ? RunEnd : RunScreenshot) => boolean,
  ms = WAIT_MS,
): Promise<{ at: number; payload: E extends 'run:end' ? RunEnd : RunScreenshot }> {
  return new Promise((resolve, reject) => {
    const on = (payload: E extends 'run:end' ? RunEnd : RunScreenshot): void => {
      if (!pick(payload)) return;
      clearTimeout(timer);
      socket.off(event, on as never);
      resolve({ at: performance.now(), payload });
    };
    const timer = setTimeout(() => {
      socket.off(event, on as never);
      reject(new Error(`no ${event} after ${ms / 1000} s`));
    }, ms);
    socket.on(event, on as never);
  });
}

/** run:end → run:screenshot of the run `runId` (the screenshot listener is set before the run ends). */
async function shotDelay(socket: ArenaClient, runEnded: Promise<{ at: number; payload: RunEnd }>): Promise<number> {
  const ended = await runEnded;
  const shot = await next(socket, 'run:screenshot', (s) => s.runId === ended.payload.runId);
  return shot.at - ended.at;
}

const database = await freshPostgresDatabase('bench_live_shots');
const arena = await startArena(MODELS, { DATABASE_URL: database.url });
const times: Record<'preview' | 'app' | 'display', number[]> = { preview: [], app: [], display: [] };
try {
  const socket = await connect(arena.url);
  for (let round = 1; round <= ROUNDS; round++) {
    try {
      // Listened for before the battle exists: both sides' first runs end, one of them with a preview.
      const previewEnd = next(socket, 'run:end', (e) => e.preview?.kind === 'html');
      const previewShot = previewEnd.then((ended) =>
        next(socket, 'run:screenshot', (s) => s.runId === ended.payload.runId).then((shot) => shot.at - ended.at),
      );
      const ack = await socket.emitWithAck('battle:create', { prompt: `A page, round ${round}` });
      if (!ack.ok) throw new Error(ack.error.message);
      const battleId = ack.battleId;
      const plain = next(socket, 'run:end', (e) => e.battleId === battleId && e.preview === undefined);
      times.preview.push(await previewShot);
      const pythonSide = (await plain).payload.side;
      for (const [kind, code] of [
        ['app', APP],
        ['display', GAME],
      ] as const) {
        const ended = next(socket, 'run:end', (e) => e.battleId === battleId && e.preview?.kind === kind);
        const asked = await socket.emitWithAck('run:request', { battleId, side: pythonSide, code });
        if (!asked.ok) throw new Error(asked.error.message);
        times[kind].push(await shotDelay(socket, ended));
      }
      progress(
        `round ${round}: preview ${fmt(times.preview.at(-1)!, 0)} ms, app ${fmt(times.app.at(-1)!, 0)} ms, display ${fmt(times.display.at(-1)!, 0)} ms`,
      );
    } catch (err) {
      progress(`round ${round} gave no numbers: ${String(err)}`);
    }
  }
  socket.disconnect();
} finally {
  await arena.stop();
  await database.drop();
}

const base = summarize(times.preview);
console.log(`\nScreenshots of live apps and displays: run:end → run:screenshot, ${ROUNDS} rounds\n`);
console.log(
  table(
    (['preview', 'app', 'display'] as const).map((kind) => {
      const s = summarize(times[kind]);
      return {
        shot: kind === 'preview' ? 'web preview (baseline)' : kind === 'app' ? 'live app (Flask)' : 'display (PyGame)',
        n: s.n,
        'p50 ms': fmt(s.p50, 0),
        'p90 ms': fmt(s.p90, 0),
        'p50 / preview p50': fmt(s.p50 / base.p50),
      };
    }),
  ),
);
