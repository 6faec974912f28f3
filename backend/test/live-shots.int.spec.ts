import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runScreenshotPath, type BattleSnapshot, type RunScreenshot } from '@arena/contracts';
import { extractCode, SandboxRegistry } from '@arena/sandboxes';
import { arenaHardAnswer, sharedData } from '@arena/testkit';
import { DataSource } from 'typeorm';
import { JudgeService } from '../src/judges/judge.service.js';
import { liveShotSubject } from '../src/screenshots/live-shot.js';
import { RunScreenshotsService } from '../src/screenshots/run-screenshots.service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import { readWithPillow } from './support/read-image.js';
import { connectClient, startTestArena, statusIs, waitForFrame, type TestArena } from './support/test-arena.js';

/**
 * Screenshots of live apps and displays in a battle (issue 17 item 1, on issue 16's apps): one side answers with
 * a real recorded Streamlit answer (Arena-Hard 61eb140b…, gpt-3.5-turbo-0125: a video player), the other with a
 * PyGame game (none of the recorded PyGame answers runs: all three load a `dvd_logo.png` they do not have).
 * Each picture is a JPEG within 1024×768 that is not blank, served at its URL, exported base64 in
 * `bigcodereward`, and read back by Pillow. The game's picture is its own first screen: the arena sends a
 * battle's display no input (only the battle's creator drives it, and everyone in the room watches it), so the
 * game is still on its title screen (it started, turning green, when the shot pressed Space).
 */
const data = sharedData('screenshots of live apps and displays', ['arena-hard-v0.1']);
const NOT_BLANK = 3;

/** Black title screen until Space; then a green field with a ball and a score. */
const GAME = `import sys
import pygame
pygame.init()
screen = pygame.display.set_mode((640, 480))
pygame.display.set_caption('Ball')
font = pygame.font.Font(None, 48)
started = False
x, dx = 100, 4
clock = pygame.time.Clock()
while True:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            sys.exit(0)
        if event.type == pygame.KEYDOWN and event.key == pygame.K_SPACE:
            started = True
    if started:
        screen.fill((30, 160, 60))
        x += dx
        if x < 40 or x > 600:
            dx = -dx
        pygame.draw.circle(screen, (250, 220, 40), (x, 240), 40)
        screen.blit(font.render('Score: 3', True, (255, 255, 255)), (20, 20))
    else:
        screen.fill((0, 0, 0))
        screen.blit(font.render('Press SPACE to start', True, (255, 255, 255)), (140, 220))
    pygame.display.flip()
    clock.tick(30)
`;

/** The mean colour of a JPEG, by Pillow. */
function meanColour(jpeg: Buffer): [number, number, number] {
  const run = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import io,sys,json;from PIL import Image,ImageStat;' +
        'print(json.dumps(ImageStat.Stat(Image.open(io.BytesIO(sys.stdin.buffer.read())).convert("RGB")).mean))',
    ],
    { input: jpeg, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as [number, number, number];
}

describe.skipIf(data.missing)('screenshots of live apps and displays', () => {
  let arena: TestArena;
  let fake: FakeLlm;
  beforeAll(async () => {
    const streamlit = arenaHardAnswer(data, 'gpt-3.5-turbo-0125', '61eb140b72ae4802b314a7b828c3ba4b');
    expect(extractCode(streamlit)?.environment).toBe('streamlit');
    fake = await startFakeLlm({
      'streamlit-answer': { kind: 'stream', text: streamlit, chunkSize: 400 },
      'pygame-answer': { kind: 'stream', text: `A small game:\n\n\`\`\`python\n${GAME}\`\`\`\n` },
      'vision-model': { kind: 'stream', text: '{"reasoning": "Both render.", "winner": "tie"}' },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-live-shots-'));
    const judgesFile = path.join(dir, 'judges.yaml');
    await writeFile(
      judgesFile,
      `- id: looker\n  provider: openai\n  model: vision-model\n  baseUrl: ${fake.openaiUrl}\n  vision: true\n`,
    );
    arena = await startTestArena({
      database: 'postgres',
      models: [
        { id: 'video', name: 'Video', provider: 'openai', model: 'streamlit-answer', baseUrl: fake.openaiUrl },
        { id: 'game', name: 'Game', provider: 'openai', model: 'pygame-answer', baseUrl: fake.openaiUrl },
      ],
      env: {
        ARENA_SANDBOX_POOL: '0',
        ARENA_PYODIDE: 'off',
        ARENA_SCREENSHOT_BUDGET_MS: '30000',
        ARENA_JUDGES_FILE: judgesFile,
      },
    });
    await arena.app.get(SandboxRegistry).start();
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('photographs a Streamlit app and a PyGame display, serves the pictures, shows them to a vision judge and exports them in bigcodereward', async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'Something to look at' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(creator, statusIs(battleId, 'voting'), 180_000);
    const ends = creator.frames
      .filter((f) => f.event === 'run:end')
      .map((f) => f.payload as { runId: string; side: 'a' | 'b'; status: string; preview?: { kind: string } });
    expect(ends.map((e) => [e.status, e.preview?.kind]).sort()).toEqual([
      ['ok', 'app'],
      ['ok', 'display'],
    ]);

    const pictures: Record<string, { jpeg: Buffer; side: 'a' | 'b'; url: string }> = {};
    for (const end of ends) {
      const frame = await waitForFrame(
        creator,
        (f) => f.event === 'run:screenshot' && (f.payload as RunScreenshot).runId === end.runId,
        120_000,
      );
      const url = runScreenshotPath(battleId, end.runId);
      expect(frame.payload).toEqual({ battleId, runId: end.runId, side: end.side, url });
      const response = await fetch(`${arena.url}${url}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      pictures[end.preview!.kind] = { jpeg: Buffer.from(await response.arrayBuffer()), side: end.side, url };
    }
    const read = await readWithPillow([pictures['app']!.jpeg, pictures['display']!.jpeg]);
    for (const picture of read) {
      expect(picture.format).toBe('JPEG');
      expect(picture.width).toBeLessThanOrEqual(1024);
      expect(picture.height).toBeLessThanOrEqual(768);
      expect(picture.stddev).toBeGreaterThan(NOT_BLANK);
    }
    // The display's picture is the screen the program drew (800×600) by itself: the title screen, not the green
    // field a key press would have started.
    expect([read[1]!.width, read[1]!.height]).toEqual([800, 600]);
    const [r, g, b] = meanColour(pictures['display']!.jpeg);
    expect(Math.max(r, g, b)).toBeLessThan(60);
    // The app's picture is its rendered page: Streamlit's light page with the title, not its loading skeleton.
    expect(meanColour(pictures['app']!.jpeg)[0]).toBeGreaterThan(200);

    const stored = await arena.app
      .get(DataSource)
      .query<{ source: string; blank: boolean }[]>(
        'SELECT s.source, s.blank FROM run_screenshots s JOIN executions e ON e.id = s.run_id WHERE e.battle_id = $1 ORDER BY s.source',
        [battleId],
      );
    expect(stored).toEqual([
      { source: 'app', blank: false },
      { source: 'display', blank: false },
    ]);

    // A spectator's snapshot names both pictures.
    const spectator = await connectClient(arena.url);
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    if (!watched.ok) throw new Error(watched.error.message);
    const runs = (s: BattleSnapshot) => s.turns.flatMap((t) => [...t.sides.a.runs, ...t.sides.b.runs]);
    expect(
      runs(watched.snapshot)
        .map((run) => run.screenshot)
        .sort(),
    ).toEqual([pictures['app']!.url, pictures['display']!.url].sort());

    // A vision judge (with execution, both orders) sees the app's and the display's pictures as served.
    await arena.app.get(JudgeService).idle();
    const dataUrl = (kind: string) => `data:image/jpeg;base64,${pictures[kind]!.jpeg.toString('base64')}`;
    const bySide = { a: '', b: '' };
    for (const kind of ['app', 'display']) bySide[pictures[kind]!.side] = dataUrl(kind);
    const seen = fake.requests
      .filter((r) => r.model === 'vision-model')
      .map((r) =>
        (r.messages as { content: unknown }[]).flatMap((m) =>
          Array.isArray(m.content)
            ? (m.content as { type: string; image_url?: { url: string } }[])
                .filter((p) => p.type === 'image_url')
                .map((p) => p.image_url!.url)
            : [],
        ),
      )
      .filter((images) => images.length > 0);
    expect(seen).toHaveLength(2);
    expect(seen).toContainEqual([bySide.a, bySide.b]);
    expect(seen).toContainEqual([bySide.b, bySide.a]);

    const vote = await creator.socket.emitWithAck('battle:vote', { battleId, winner: 'tie' });
    if (!vote.ok) throw new Error(vote.error.message);
    const exported = (await (await fetch(`${arena.url}/api/datasets/bigcodereward.jsonl`)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((row) => row['chat_session_id'] === battleId)!;
    const column = (side: 'a' | 'b') => exported[`screenshot_${side.toUpperCase()}`] as string;
    const decoded = await readWithPillow([column(pictures['app']!.side), column(pictures['display']!.side)], 'base64');
    expect(decoded).toEqual(read);
    creator.socket.disconnect();
    spectator.socket.disconnect();
  }, 300_000);

  it("grabs a display's frame with the image's own Pillow, not modules the program left where it could write", async () => {
    // The program leaves its own ctypes, PIL and subprocess wherever it may write, each of which would forge the
    // picture (here: fail it) if the grab imported them, then draws.
    const code = `import ctypes, os, subprocess, sys
import pygame
for folder in ('/tmp', os.getcwd(), os.path.expanduser('~')):
    try:
        os.makedirs(os.path.join(folder, 'PIL'), exist_ok=True)
        for name in ('ctypes.py', 'subprocess.py', os.path.join('PIL', '__init__.py')):
            with open(os.path.join(folder, name), 'w') as f:
                f.write('raise SystemExit(3)\\n')
    except OSError:
        pass
${GAME}`;
    const sandboxes = arena.app.get(SandboxRegistry);
    const result = await sandboxes.run({ environment: 'pygame', code, appOwner: 'forger-shot:0:a' });
    expect(result.status).toBe('ok');
    if (result.preview?.kind !== 'display') throw new Error(`not a display: ${JSON.stringify(result.preview)}`);
    try {
      const subject = await liveShotSubject(sandboxes.apps, result.preview, { press: true });
      const shot = await arena.app.get(RunScreenshotsService).shoot(subject);
      expect(shot.blank).toBe(false);
      const [r, g] = meanColour(shot.jpeg);
      expect(g).toBeGreaterThan(r + 30);
    } finally {
      await sandboxes.apps?.removeBattle('forger-shot');
    }
  }, 120_000);

  /** Runs `code` as a live app or display, photographs it as a battle's run is (no input), and removes it. */
  async function shootLive(environment: 'python' | 'pygame', code: string, owner: string, kind: 'app' | 'display') {
    const sandboxes = arena.app.get(SandboxRegistry);
    const result = await sandboxes.run({ environment, code, appOwner: `${owner}:0:a` });
    expect(result.status).toBe('ok');
    if (result.preview?.kind !== kind) throw new Error(`not a live ${kind}: ${JSON.stringify(result.preview)}`);
    try {
      return await arena.app
        .get(RunScreenshotsService)
        .shoot(await liveShotSubject(sandboxes.apps, result.preview, { press: false }));
    } finally {
      await sandboxes.apps?.removeBattle(owner);
    }
  }

  it("waits for a display's first drawn frame: a program that maps its window and draws a moment later is not photographed blank", async () => {
    const code = `import time
import pygame
pygame.init()
screen = pygame.display.set_mode((640, 480))
pygame.display.flip()
time.sleep(1.5)
clock = pygame.time.Clock()
while True:
    for event in pygame.event.get():
        pass
    screen.fill((200, 30, 30))
    pygame.draw.circle(screen, (250, 220, 40), (320, 240), 60)
    pygame.display.flip()
    clock.tick(30)
`;
    const shot = await shootLive('pygame', code, 'late-shot', 'display');
    expect(shot.blank).toBe(false);
    const [r, g] = meanColour(shot.jpeg);
    expect(r).toBeGreaterThan(g + 30);
  }, 120_000);

  it("loads a live app's page again when it came out blank (a page left white by a load that failed mid-way)", async () => {
    // The first page a browser asks for is empty and white, the next ones are drawn: as a page whose scripts
    // failed to load the first time looks (the arena's browser runs on the Docker host, whose new app networks
    // fail loads in flight with ERR_NETWORK_CHANGED).
    const code = `import http.server
seen = {'browser': 0}
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if 'Chrome' in self.headers.get('User-Agent', ''):
            seen['browser'] += 1
        drawn = seen['browser'] > 1
        body = (b'<!doctype html><html><body style="margin:0;background:#c02020"><h1 style="color:#fff">Ready</h1></body></html>'
                if drawn else b'<!doctype html><html><body style="margin:0;background:#fff"></body></html>')
        self.send_response(200)
        self.send_header('content-type', 'text/html')
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(('0.0.0.0', 8000), Handler).serve_forever()
`;
    const shot = await shootLive('python', code, 'white-shot', 'app');
    expect(shot.blank).toBe(false);
    const [r, g] = meanColour(shot.jpeg);
    expect(r).toBeGreaterThan(g + 60);
  }, 120_000);

  it("refuses a display's frame bigger than the display the arena started (the program swapped in its own X server)", async () => {
    // The program shows a window (the display goes live), then replaces the arena's 800x600 Xvfb with a
    // 4000x4000 one of its own on the same display: a picture that large would be decoded whole by the arena.
    const code = `import os, signal, subprocess, time
import pygame
pygame.init()
screen = pygame.display.set_mode((640, 480))
screen.fill((30, 160, 60))
pygame.display.flip()
time.sleep(2)
pygame.display.quit()
for pid in os.listdir('/proc'):
    try:
        with open('/proc/%s/cmdline' % pid, 'rb') as f:
            if f.read().startswith(b'Xvfb'):
                os.kill(int(pid), signal.SIGKILL)
    except (OSError, ValueError):
        pass
time.sleep(0.5)
for leftover in ('/tmp/.X99-lock', '/tmp/.X11-unix/X99'):
    try:
        os.remove(leftover)
    except OSError:
        pass
subprocess.Popen(['Xvfb', ':99', '-screen', '0', '4000x4000x24', '-nolisten', 'tcp'])
while True:
    time.sleep(1)
`;
    const sandboxes = arena.app.get(SandboxRegistry);
    const result = await sandboxes.run({ environment: 'pygame', code, appOwner: 'huge-shot:0:a' });
    expect(result.status).toBe('ok');
    if (result.preview?.kind !== 'display') throw new Error(`not a display: ${JSON.stringify(result.preview)}`);
    const preview = result.preview;
    try {
      // Until the swap is done the grab sees the arena's screen; after it, the program's (bounded wait).
      let outcome = '';
      for (let attempt = 0; attempt < 40 && !outcome; attempt++) {
        outcome = await liveShotSubject(sandboxes.apps, preview, { press: false }).then(
          (subject) => (subject.kind === 'image' && subject.width > 800 ? `grabbed ${subject.width}` : ''),
          (err: unknown) => (/bigger than/.test(String(err)) ? 'refused' : ''),
        );
        if (!outcome) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(outcome).toBe('refused');
    } finally {
      await sandboxes.apps?.removeBattle('huge-shot');
    }
  }, 180_000);

  it("photographs an app's page without letting it reach anything but the app (the browser is on the arena's host)", async () => {
    // A server on the host that an app's page tries to reach from the arena's browser: HTTP and WebSocket.
    const reached: string[] = [];
    const host = createServer((req: IncomingMessage, res) => {
      reached.push(`${req.method} ${req.url}`);
      res.end('secret');
    });
    host.on('upgrade', (req: IncomingMessage, socket) => {
      reached.push(`upgrade ${req.url}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const port = (host.address() as AddressInfo).port;
    const page =
      `<!doctype html><html><body style="background:#123;color:#fe8;font:40px sans-serif">` +
      `<h1>Leaky</h1><img src="http://127.0.0.1:${port}/img">` +
      `<script>fetch('http://127.0.0.1:${port}/fetch').catch(() => {});` +
      `try { new WebSocket('ws://127.0.0.1:${port}/ws'); } catch (e) {}</script></body></html>`;
    const code = `import http.server
PAGE = ${JSON.stringify(page)}.encode()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header('content-type', 'text/html')
        self.end_headers()
        self.wfile.write(PAGE)
http.server.HTTPServer(('127.0.0.1', 8000), Handler).serve_forever()
`;
    try {
      const sandboxes = arena.app.get(SandboxRegistry);
      const result = await sandboxes.run({ environment: 'python', code, appOwner: 'leaky-shot:0:a' });
      expect(result.status).toBe('ok');
      if (result.preview?.kind !== 'app') throw new Error(`not an app: ${JSON.stringify(result.preview)}`);
      const shot = await arena.app
        .get(RunScreenshotsService)
        .shoot(await liveShotSubject(sandboxes.apps, result.preview, { press: false }));
      // The page itself was photographed, and nothing of it reached the host's server.
      expect(shot.blank).toBe(false);
      expect(reached).toEqual([]);
      await sandboxes.apps?.removeBattle('leaky-shot');
    } finally {
      await new Promise((resolve) => host.close(resolve));
    }
  }, 120_000);
});
