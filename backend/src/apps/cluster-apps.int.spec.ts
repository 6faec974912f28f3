import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { AppsProxy } from './apps-proxy.js';
import { ClusterApps, MAX_ASKING } from './cluster-apps.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One process of a cluster as far as apps go: a socket.io server on the streams adapter and its bus. */
function process_(redis: Redis, stream: string): { io: Server; bus: ClusterBus } {
  const io = new Server();
  io.adapter(createAdapter(redis, { streamName: stream, heartbeatInterval: 500, heartbeatTimeout: 2_000 }));
  const bus = new ClusterBus();
  bus.bind(io.of('/'), true);
  return { io, bus };
}

const token = (): string => randomBytes(16).toString('base64url');

// What another process says about an app is checked before it is followed, and how many questions this process
// puts to the cluster at once is bounded: a reply of the wrong shape (a process of another version, or anything
// that writes to the cluster's stream) made the proxy throw outside any handler, which ends the process, and each
// distinct unknown token in a flood of requests was a question broadcast to every process.
describe('ClusterApps against hostile peers and floods', () => {
  const redises: Redis[] = [];
  let a: { io: Server; bus: ClusterBus };
  let b: { io: Server; bus: ClusterBus };
  let http: HttpServer;
  let port = 0;
  let asked = 0;
  let answer: (reply: (found: never) => void) => void = () => undefined;

  beforeAll(async () => {
    const stream = `arena-test:${randomBytes(6).toString('hex')}:socket.io`;
    redises.push(new Redis(REDIS_URL), new Redis(REDIS_URL));
    a = process_(redises[0]!, stream);
    b = process_(redises[1]!, stream);
    b.bus.on('arena:app-lookup', (_request, reply) => {
      asked += 1;
      answer(reply);
    });
    const apps = new ClusterApps(() => undefined, a.bus);
    const proxy = new AppsProxy(() => undefined, apps);
    http = createServer((req, res) =>
      proxy.handle(req, res, () => {
        res.statusCode = 404;
        res.end();
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
    // Both processes know of each other once a question gets an answer.
    answer = (reply) => reply(null as never);
    for (;;) {
      asked = 0;
      await a.bus.appLookupRemote(token());
      if (asked > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    http?.close();
    for (const one of [a, b]) await (one?.io.of('/').adapter as { close?: () => Promise<void> } | undefined)?.close?.();
    for (const redis of redises) redis.disconnect();
  });

  it('a malformed reply answers 502 and the process lives on', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const reply of [
        { state: 'live' },
        { state: 'live', target: { host: 'x', port: 'http' } },
        { state: 'live', target: { host: '10.0.0.2', port: 3000, keepsPrefix: false }, via: { host: 7 } },
        'live',
      ]) {
        answer = (send) => send(reply as never);
        const res = await fetch(`http://127.0.0.1:${port}/api/apps/${token()}/`);
        expect(res.status, JSON.stringify(reply)).toBe(502);
        await res.text();
      }
      // Let a rejection that nobody handles surface.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a flood of unknown tokens puts a bounded number of questions to the cluster at once', async () => {
    const apps = new ClusterApps(() => undefined, a.bus);
    asked = 0;
    answer = (reply) => reply(null as never);
    const lookups = Array.from({ length: MAX_ASKING * 8 }, () => Promise.resolve(apps.lookup(token())));
    const settled = await Promise.allSettled(lookups);
    expect(asked).toBe(MAX_ASKING);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(MAX_ASKING);
    // Once those are answered, questions are put again.
    asked = 0;
    await apps.lookup(token());
    expect(asked).toBe(1);
  });
});
