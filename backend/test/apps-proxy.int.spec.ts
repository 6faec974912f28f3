import http from 'node:http';
import net from 'node:net';
import type { BattleSnapshot, RunEnd } from '@arena/contracts';
import { APP_LABEL, SandboxRegistry, type RunResult } from '@arena/sandboxes';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SANDBOX_POLICY } from '../src/apps/apps-proxy.js';
import { BattleRegistry } from '../src/battles/battle-registry.js';
import {
  connectClient,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

/**
 * The arena's app proxy on a real arena (PostgreSQL, socket.io, Docker): live apps answer at
 * `/api/apps/<token>/` over HTTP and WebSocket, sandboxed and without the person's credentials; requests
 * crafted to reach something else are refused; an app of a closed battle answers 410 after the TTL and is
 * gone from the engine; socket.io keeps working beside the proxied WebSockets.
 */
const docker = new Docker();
let arena: TestArena;
let sandboxes: SandboxRegistry;

/** An app that echoes what it was sent (path, headers, body) and tries to set a cookie. */
const ECHO_APP = `
import http.server, json
class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Set-Cookie', 'app=evil; Path=/')
        self.send_header('X-Frame-Options', 'DENY')
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.reply({'path': self.path, 'headers': {k.lower(): v for k, v in self.headers.items()}})
    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        self.reply({'path': self.path, 'body': self.rfile.read(length).decode()})
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('', 8000), Handler).serve_forever()
`;

/** A FastAPI app as answers write them: uvicorn.run on the loopback, a redirect built with url_for. */
const FASTAPI_APP = `
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
import uvicorn

app = FastAPI()

@app.get('/hello')
def hello():
    return {'hello': 'arena'}

@app.get('/go')
def go(request: Request):
    return RedirectResponse(request.url_for('hello'))

if __name__ == '__main__':
    uvicorn.run(app, host='127.0.0.1', port=8000)
`;

/** A Flask page whose link is built with url_for. */
const FLASK_LINKS_APP = `
from flask import Flask, url_for
app = Flask(__name__)

@app.route('/')
def index():
    return '<a href="%s">about</a>' % url_for('about')

@app.route('/about')
def about():
    return 'about us'

app.run()
`;

/** A request straight to an app's container (no proxy): `path` without its leading slash. */
async function direct(url: string, path: string): Promise<{ status: number; body: string }> {
  const found = sandboxes.apps!.lookup(url.split('/')[3]!);
  if (found.state !== 'live') throw new Error(`the app is ${found.state}`);
  const res = await fetch(`http://${found.target.host}:${found.target.port}/${path}`);
  return { status: res.status, body: await res.text() };
}

/** A Node app that answers a WebSocket upgrade by hand and sends a greeting, then (on /flood) frames without end. */
const WS_APP = `
const http = require('http');
const crypto = require('crypto');
const server = http.createServer((req, res) => res.end('plain ' + req.url));
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC11B65').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  const frame = (text) => { const b = Buffer.from(text); return Buffer.concat([Buffer.from([0x81, b.length]), b]); };
  socket.write(frame('hello ' + req.url + ' cookie=' + (req.headers.cookie || 'none')));
  if (req.url === '/flood') {
    const pump = () => { while (socket.write(frame('x'.repeat(100)))) {} };
    socket.on('drain', pump);
    pump();
  }
  socket.on('error', () => {});
});
server.listen(3000);
`;

async function startApp(code: string, owner: string, environment: 'python' | 'javascript' = 'python'): Promise<string> {
  let output = '';
  const result: RunResult = await sandboxes.run(
    { environment, code, appOwner: owner, limits: { wallMs: 30_000 } },
    { onOutput: (chunk) => (output += chunk.data) },
  );
  expect(result.status, output).toBe('ok');
  expect(result.preview?.kind).toBe('app');
  return result.preview?.kind === 'app' ? result.preview.url : '';
}

/** A raw HTTP request to the arena, with the request target exactly as given (no URL normalisation). */
function raw(target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(arena.port, '127.0.0.1', () => {
      const lines = [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${arena.port}`, 'Connection: close'];
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
  });
}

/** The first WebSocket message at an app path, or the HTTP status that refused the upgrade. */
function wsFirst(path: string, headers: Record<string, string> = {}): Promise<{ message?: string; status?: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: arena.port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (_res, socket, head: Buffer) => {
      const first = (chunk: Buffer): void => {
        resolve({ message: chunk.subarray(2, 2 + (chunk[1]! & 0x7f)).toString() });
        socket.destroy();
      };
      // The app's first frame may come in the same packet as the 101 answer: Node then hands it over as `head`.
      if (head.length > 0) first(head);
      else socket.once('data', first);
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });
}

async function engineHolds(token: string): Promise<number> {
  const filters = { label: [`${APP_LABEL}=${token}`] };
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  return containers.length + networks.length;
}

beforeAll(async () => {
  arena = await startTestArena({
    database: 'postgres',
    env: { ARENA_SANDBOX_POOL: '0', ARENA_APP_TTL_MS: '500', ARENA_PYODIDE: 'off' },
  });
  sandboxes = arena.app.get(SandboxRegistry);
  await sandboxes.start();
});

afterAll(async () => {
  await arena?.stop();
});

describe('the app proxy', () => {
  it('serves an app sandboxed, open to its opaque origin, without the person’s cookies or credentials', async () => {
    const url = await startApp(ECHO_APP, 'p1:0:a');
    const res = await fetch(`${arena.url}${url}some/page?q=1`, {
      headers: { Cookie: 'arena_voter=secret', Authorization: 'Bearer secret', 'X-Admin-Token': 'secret' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(APP_SANDBOX_POLICY);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBeNull();
    const body = (await res.json()) as { path: string; headers: Record<string, string> };
    expect(body.path).toBe('/some/page?q=1');
    expect(body.headers['cookie']).toBeUndefined();
    expect(body.headers['authorization']).toBeUndefined();
    expect(body.headers['x-admin-token']).toBeUndefined();
    // The token alone is the app's root, and a POST body arrives whole (the proxy runs before the body parsers).
    expect(((await (await fetch(`${arena.url}${url.slice(0, -1)}`)).json()) as { path: string }).path).toBe('/');
    const posted = await fetch(`${arena.url}${url}form`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=arena&n=2',
    });
    expect(await posted.json()).toEqual({ path: '/form', body: 'name=arena&n=2' });
  });

  it('tells a FastAPI app its public path: url_for redirects and /docs stay inside the app', async () => {
    const url = await startApp(FASTAPI_APP, 'p5:0:a');
    const redirect = await fetch(`${arena.url}${url}go`, { redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`${arena.url}${url}hello`);
    expect(await (await fetch(`${arena.url}${url}go`)).json()).toEqual({ hello: 'arena' });
    // Swagger UI asks for the schema at the app's path, not at the arena's /openapi.json.
    expect(await (await fetch(`${arena.url}${url}docs`)).text()).toContain(`'${url}openapi.json'`);
    expect((await fetch(`${arena.url}${url}openapi.json`)).status).toBe(200);
    // From the container's own address (as the arena's screenshots load an app), a path built with the prefix
    // reaches the same route as one without.
    expect(await direct(url, 'hello')).toEqual({ status: 200, body: '{"hello":"arena"}' });
    expect(await direct(url, `${url.slice(1)}hello`)).toEqual({ status: 200, body: '{"hello":"arena"}' });
    await sandboxes.apps!.removeBattle('p5');
  });

  it('tells a Flask app its public path: url_for links work through the proxy and from the container alike', async () => {
    const url = await startApp(FLASK_LINKS_APP, 'p6:0:a');
    expect(await (await fetch(`${arena.url}${url}`)).text()).toBe(`<a href="${url}about">about</a>`);
    expect(await (await fetch(`${arena.url}${url}about`)).text()).toBe('about us');
    expect(await direct(url, `${url.slice(1)}about`)).toEqual({ status: 200, body: 'about us' });
    expect(await direct(url, 'about')).toEqual({ status: 200, body: 'about us' });
    await sandboxes.apps!.removeBattle('p6');
  });

  it('refuses requests crafted to reach another container or port', async () => {
    const url = await startApp(ECHO_APP, 'p2:0:a');
    const token = url.split('/')[3]!;
    const found = sandboxes.apps!.lookup(token);
    const target = found.state === 'live' ? found.target : { host: '0.0.0.0', port: 1 };
    expect((await raw(`${url}../../`)).status).toBe(400);
    expect((await raw(`${url}%2e%2e/%2E%2E/x`)).status).toBe(400);
    expect((await raw(`${url}a%2fb`)).status).toBe(400);
    expect((await raw(`/api/apps/${token}/..%5c..%5cx`)).status).toBe(400);
    expect((await raw('/api/apps/AAAAAAAAAAAAAAAAAAAAAA/')).status).toBe(404);
    expect((await raw('/api/apps/short/')).status).toBe(404);
    // An absolute URL or a Host naming the container reaches the arena's own routes, never the app.
    const absolute = await raw(`http://${target.host}:${target.port}/`);
    expect(absolute.body).not.toContain('"path"');
    const hosted = await raw('/', { Host: `${target.host}:${target.port}` });
    expect(hosted.body).not.toContain('"path"');
    // A Host header does not move an app request elsewhere: it still reaches this app, at this path.
    const moved = await raw(`${url}here`, { Host: '127.0.0.1:5432' });
    expect(moved.status).toBe(200);
    expect(moved.body).toContain('"/here"');
  });

  it('carries app WebSockets beside socket.io; unknown upgrades are refused; a flooding app does not stop a normal run', async () => {
    const url = await startApp(WS_APP, 'p3:0:a', 'javascript');
    expect(await wsFirst(`${url}ws`, { Cookie: 'arena_voter=secret' })).toEqual({ message: 'hello /ws cookie=none' });
    expect(await wsFirst('/api/apps/AAAAAAAAAAAAAAAAAAAAAA/ws')).toEqual({ status: 404 });
    expect(await wsFirst(`${url}..%2f..%2fws`)).toEqual({ status: 400 });
    const client = await connectClient(arena.url);
    expect(client.socket.connected).toBe(true);
    client.socket.disconnect();

    // A client that opens the flood and never reads: the app's frames back up, nothing else does.
    const flood = await new Promise<net.Socket>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: arena.port,
        path: `${url.slice(0, -1)}/flood`,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'a2V5a2V5a2V5a2V5a2V5aw==' },
      });
      req.on('upgrade', (_res, socket) => {
        socket.pause();
        resolve(socket);
      });
      // A refused upgrade fails the test at once instead of leaving it to time out.
      req.on('response', (res) => reject(new Error(`the flood's upgrade was answered ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    let output = '';
    const normal = await sandboxes.run(
      { environment: 'python', code: 'print(sum(range(10)))' },
      { onOutput: (chunk) => (output += chunk.data) },
    );
    expect(normal.status).toBe('ok');
    expect(output).toBe('45\n');
    flood.destroy();
  });

  it('a re-run of a side (run:request) with an edited app replaces it: the old URL answers 410 and its container is gone, the new one serves the edit', async () => {
    const voter = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt: 'A tiny web server' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(voter, statusIs(battleId, 'voting'));
    const server = (text: string): string =>
      `const http = require('http');\nhttp.createServer((req, res) => res.end(${JSON.stringify(text)})).listen(3000);\n`;
    const rerun = async (text: string): Promise<Extract<RunEnd['preview'], { kind: 'app' }>> => {
      const ack = await voter.socket.emitWithAck('run:request', { battleId, side: 'a', code: server(text) });
      if (!ack.ok) throw new Error(ack.error.message);
      const end = await waitForFrame(
        voter,
        (f) => f.event === 'run:end' && (f.payload as RunEnd).runId === ack.runId,
        90_000,
      );
      const { status, preview } = end.payload as RunEnd;
      expect(status).toBe('ok');
      if (preview?.kind !== 'app') throw new Error(`no app preview: ${JSON.stringify(preview)}`);
      return preview;
    };
    const first = await rerun('version 1');
    expect(await (await fetch(`${arena.url}${first.url}`)).text()).toBe('version 1');
    // The pane can say when the app stops at the latest: the room and a snapshot both carry it.
    expect(first.expiresAt).toBeGreaterThan(Date.now());
    const second = await rerun('version 2');
    expect(second.url).not.toBe(first.url);
    expect(await (await fetch(`${arena.url}${second.url}`)).text()).toBe('version 2');
    expect((await fetch(`${arena.url}${first.url}`)).status).toBe(410);
    expect(await engineHolds(first.url.split('/')[3]!)).toBe(0);
    const snapshot = (await getJson<BattleSnapshot>(`${arena.url}/api/battles/${battleId}`)).body;
    expect(snapshot.turns[0]!.sides.a.runs.at(-1)?.preview).toEqual(second);
    voter.socket.disconnect();
    await sandboxes.apps!.removeBattle(battleId);
  });

  it("answers 410 for an app of a battle that closed TTL ago, and the engine holds nothing of it; the battle's other apps too", async () => {
    const battleId = 'closing-battle';
    const a = await startApp(ECHO_APP, `${battleId}:0:a`);
    const b = await startApp(WS_APP, `${battleId}:0:b`, 'javascript');
    expect((await fetch(`${arena.url}${a}`)).status).toBe(200);
    // The run pane's probe: answered by the proxy, not the app.
    expect((await fetch(`${arena.url}${a}`, { headers: { 'x-arena-app-probe': '1' } })).status).toBe(204);
    // The battle leaves the arena's memory (it closed): its apps live ARENA_APP_TTL_MS more.
    arena.app.get(BattleRegistry).retire(battleId, 0);
    const tokens = [a, b].map((url) => url.split('/')[3]!);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && tokens.some((token) => sandboxes.apps!.lookup(token).state !== 'gone'))
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${arena.url}${a}`, { headers: { 'x-arena-app-probe': '1' } })).status).toBe(410);
    const stopped = await fetch(`${arena.url}${a}`);
    expect(stopped.status).toBe(410);
    expect(await stopped.text()).toContain('App stopped');
    expect(await wsFirst(`${b}ws`)).toEqual({ status: 410 });
    // Removal goes on after the 410: the container, then the network.
    while (Date.now() < deadline && (await Promise.all(tokens.map(engineHolds))).some((n) => n > 0))
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (const token of tokens) expect(await engineHolds(token)).toBe(0);
  });
});
