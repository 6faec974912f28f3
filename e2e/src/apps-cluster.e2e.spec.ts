import {
  ARENA_NAMESPACE,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type RunEnd,
  type ServerToClientEvents,
} from '@arena/contracts';
import { freshPostgresDatabase, startArenaProcess, type Proc } from '@arena/testkit';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A live app in an arena of two processes (one PostgreSQL database, one Redis, one Docker engine): the battle's
 * creator re-runs a side with a web server on the first process; the app's URL answers on the second process
 * too, with the same app and its state, and answers 410 on both once the app is replaced.
 */
const REDIS = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const MODELS = [
  { id: 'demo-atlas', name: 'Demo Atlas', provider: 'demo', style: 'typescript', tokensPerSecond: 2_000 },
  { id: 'demo-breeze', name: 'Demo Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 2_000 },
];

const server = (text: string): string =>
  `const http = require('http');\nlet hits = 0;\nhttp.createServer((req, res) => res.end(${JSON.stringify(text)} + ' ' + ++hits)).listen(3000);\n`;

describe('live apps across two arena processes', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let one: Proc;
  let two: Proc;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  beforeAll(async () => {
    database = await freshPostgresDatabase('arena_apps_cluster');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: REDIS,
      REDIS_PREFIX: `test-${database.name}`,
      ARENA_SANDBOX_POOL: '0',
      ARENA_PYODIDE: 'off',
    };
    // One after the other: the first one migrates the shared database.
    one = await startArenaProcess(MODELS, env);
    two = await startArenaProcess(MODELS, env);
    socket = io(`${one.url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION },
      forceNew: true,
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('session', () => resolve());
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.disconnect();
    await two?.stop();
    await one?.stop();
    await database?.drop();
  });

  it("serves the first process's app on the second, and 410 on both once it is replaced", async () => {
    const ends = new Map<string, RunEnd>();
    socket.on('run:end', (end) => ends.set(end.runId, end));
    const voting = new Promise<string>((resolve) =>
      socket.on('battle:status', ({ battleId, status }) => {
        if (status === 'voting') resolve(battleId);
      }),
    );
    const created = await socket.emitWithAck('battle:create', { prompt: 'A tiny web server' });
    if (!created.ok) throw new Error(created.error.message);
    expect(await voting).toBe(created.battleId);
    const rerun = async (text: string): Promise<string> => {
      const ack = await socket.emitWithAck('run:request', {
        battleId: created.battleId,
        side: 'a',
        code: server(text),
      });
      if (!ack.ok) throw new Error(ack.error.message);
      const deadline = Date.now() + 120_000;
      while (!ends.has(ack.runId) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const preview = ends.get(ack.runId)?.preview;
      if (preview?.kind !== 'app') throw new Error(`no app: ${JSON.stringify(ends.get(ack.runId))}`);
      return preview.url;
    };

    const first = await rerun('first');
    const viaOne = await (await fetch(`${one.url}${first}`)).text();
    expect(viaOne).toMatch(/^first \d+$/);
    const hits = Number(viaOne.split(' ')[1]);
    // The second process does not hold the app: it asks the first, then reaches the same app.
    expect(await (await fetch(`${two.url}${first}`)).text()).toBe(`first ${hits + 1}`);

    const second = await rerun('second');
    expect(await (await fetch(`${two.url}${second}`)).text()).toMatch(/^second \d+$/);
    expect((await fetch(`${one.url}${first}`)).status).toBe(410);
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await fetch(`${two.url}${first}`)).status) !== 410)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(status).toBe(410);
  });
});
