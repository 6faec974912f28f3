import http from 'node:http';
import { APP_LABEL, SandboxRegistry } from '@arena/sandboxes';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import { MAX_SOCKETS_PER_APP } from '../src/apps/apps-proxy.js';
import { ClusterBus } from '../src/realtime/cluster-bus.js';
import { startTestArena, type TestArena } from './support/test-arena.js';

/**
 * Live apps in a clustered arena: two arenas (each its own Nest application, HTTP server, socket.io server,
 * sandbox registry and app proxy) on one PostgreSQL database, one Redis and one Docker engine. An app started
 * by one is served by the other too, over HTTP and WebSocket, and the other's traffic keeps it from idling out;
 * once its owner removes it, both answer 410; a token neither holds is 404 on both. Twice: the other process
 * reaching the app's container itself, and (ARENA_INTERNAL_HOST) sending the requests to the owner, whose
 * WebSocket cap then counts both processes' sockets.
 */
const docker = new Docker();
const IDLE_MS = 4_000;

/** Echoes the path; answers a WebSocket upgrade by hand with one greeting frame. */
const APP = `
const http = require('http');
const crypto = require('crypto');
let hits = 0;
const server = http.createServer((req, res) => res.end('hit ' + ++hits + ' ' + req.url));
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC11B65').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  const text = Buffer.from('hello ' + req.url);
  socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
  socket.on('error', () => {});
});
server.listen(3000);
`;

/** A WebSocket held open at a path of an arena, or the HTTP status that refused the upgrade. */
function wsOpen(arena: TestArena, path: string): Promise<{ socket?: Duplex; status?: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: arena.port,
      path,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', (_res, socket) => resolve({ socket }));
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The first WebSocket message at a path of an arena, or the HTTP status that refused the upgrade. */
function wsFirst(arena: TestArena, path: string): Promise<{ message?: string; status?: number }> {
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
      },
    });
    req.on('upgrade', (_res, socket, head: Buffer) => {
      const first = (chunk: Buffer): void => {
        resolve({ message: chunk.subarray(2, 2 + (chunk[1]! & 0x7f)).toString() });
        socket.destroy();
      };
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

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe.each([
  { mode: "reaching the app's container", internal: false },
  { mode: 'through the owner (ARENA_INTERNAL_HOST)', internal: true },
])('live apps in a cluster, $mode', ({ internal }) => {
  let one: TestArena;
  let two: TestArena;

  beforeAll(async () => {
    const env = {
      REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `arena-apps-${process.pid}-${Date.now()}`,
      ARENA_SANDBOX_POOL: '0',
      ARENA_PYODIDE: 'off',
      ARENA_APP_IDLE_MS: String(IDLE_MS),
      ...(internal ? { ARENA_INTERNAL_HOST: '127.0.0.1' } : {}),
    };
    one = await startTestArena({ database: 'postgres', env });
    two = await startTestArena({ database: 'postgres', env: { ...env, DATABASE_URL: one.databaseUrl! } });
    await Promise.all([one.app.get(SandboxRegistry).start(), two.app.get(SandboxRegistry).start()]);
    // The two have found each other on the bus.
    const bus = two.app.get(ClusterBus);
    expect(await until(async () => bus.enabled && (await bus.appLookupRemote('A'.repeat(22))) === null)).toBe(true);
  });

  afterAll(async () => {
    await two?.stop();
    await one?.stop();
  });

  it("serves one process's app from the other, HTTP and WebSocket; the other's traffic keeps it alive; 410 on both once it stopped", async () => {
    let output = '';
    const result = await one.app
      .get(SandboxRegistry)
      .run(
        { environment: 'javascript', code: APP, appOwner: 'cluster-app:0:a', limits: { wallMs: 30_000 } },
        { onOutput: (chunk) => (output += chunk.data) },
      );
    expect(result.status, output).toBe('ok');
    if (result.preview?.kind !== 'app') throw new Error('no app preview');
    const url = result.preview.url;
    const token = url.split('/')[3]!;
    expect(two.app.get(SandboxRegistry).apps!.lookup(token).state).toBe('unknown');

    // Through the process that does not hold it: the same app, the same state.
    expect(await (await fetch(`${two.url}${url}x`)).text()).toMatch(/^hit \d+ \/x$/);
    const before = Number(/^hit (\d+)/.exec(await (await fetch(`${one.url}${url}y`)).text())![1]);
    expect(await (await fetch(`${two.url}${url}z`)).text()).toBe(`hit ${before + 1} /z`);
    expect(await wsFirst(two, `${url}ws`)).toEqual({ message: 'hello /ws' });
    if (internal) {
      // Through the owner: its cap on an app's WebSockets counts those opened through the other process too.
      const held: Duplex[] = [];
      let refused: number | undefined;
      while (refused === undefined && held.length <= MAX_SOCKETS_PER_APP) {
        const open = await wsOpen(two, `${url}ws`);
        if (open.socket) held.push(open.socket);
        else refused = open.status;
      }
      expect(refused).toBe(429);
      expect(held.length).toBeLessThanOrEqual(MAX_SOCKETS_PER_APP);
      expect((await wsOpen(one, `${url}ws`)).status).toBe(429);
      for (const socket of held) socket.destroy();
    }

    // Only the other process serves it, for longer than the idle time-out: its owner keeps it.
    const usedUntil = Date.now() + IDLE_MS * 2;
    while (Date.now() < usedUntil) {
      expect((await fetch(`${two.url}${url}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(one.app.get(SandboxRegistry).apps!.lookup(token).state).toBe('live');

    // A token nobody holds is unknown on both.
    expect((await fetch(`${two.url}/api/apps/${'B'.repeat(22)}/`)).status).toBe(404);
    expect((await fetch(`${one.url}/api/apps/${'B'.repeat(22)}/`)).status).toBe(404);

    // Its owner removes it: both answer 410 (the other once its remembered answer is stale), the engine holds nothing.
    await one.app.get(SandboxRegistry).apps!.removeBattle('cluster-app');
    expect((await fetch(`${one.url}${url}`)).status).toBe(410);
    expect(await until(async () => (await fetch(`${two.url}${url}`)).status === 410)).toBe(true);
    expect(await wsFirst(two, `${url}ws`)).toEqual({ status: 410 });
    expect(await engineHolds(token)).toBe(0);
  });
});
