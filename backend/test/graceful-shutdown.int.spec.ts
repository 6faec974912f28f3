import { rm } from 'node:fs/promises';
import { ARENA_NAMESPACE, PROTOCOL_VERSION } from '@arena/contracts';
import { io } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { connectClient, startTestArena, statusIs, waitForFrame, type TestSocket } from './support/test-arena.js';

const SLOW_MODELS = [
  { id: 'demo-slow-a', name: 'Slow A', provider: 'demo', style: 'typescript', tokensPerSecond: 800 },
  { id: 'demo-slow-b', name: 'Slow B', provider: 'demo', style: 'javascript', tokensPerSecond: 800 },
];

describe('a graceful stop (SIGTERM)', () => {
  it('refuses new battles, lets the running one finish, then closes sockets so clients reconnect', async () => {
    const arena = await startTestArena({
      database: 'embedded',
      models: SLOW_MODELS,
      env: { ARENA_SHUTDOWN_GRACE_MS: '30000' },
    });
    const dataSource = arena.app.get(DataSource);
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'Print the primes below 50' });
    if (!created.ok) throw new Error(created.error.message);
    await waitForFrame(creator, (f) => f.event === 'gen:delta');
    // A client with reconnection on, as the web UI has: the server closing its connection must not end it.
    const watcher: TestSocket = io(`${arena.url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION },
      forceNew: true,
      reconnectionDelay: 60_000,
    });
    await new Promise((resolve) => watcher.once('session', resolve));
    const disconnected = new Promise<string>((resolve) => watcher.once('disconnect', (reason) => resolve(reason)));

    const stopping = arena.stop();
    // While it drains: the API answers, new battles are refused with a typed error, nothing is stored.
    await new Promise((r) => setTimeout(r, 50));
    const refused = await watcher.emitWithAck('battle:create', { prompt: 'Another one' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // The battle in progress finishes and opens for its vote before the server goes.
    await waitForFrame(creator, statusIs(created.battleId, 'voting'), 60_000);
    await stopping;
    // Closed by the server's transport, not told to go away: socket.io clients reconnect on their own.
    expect(await disconnected).toBe('transport close');
    expect(watcher.active).toBe(true);
    watcher.close();
    expect(dataSource.isInitialized).toBe(false);
  });

  it('stops what still runs when the grace time is over', async () => {
    const arena = await startTestArena({
      database: 'embedded',
      models: SLOW_MODELS.map((m) => ({ ...m, tokensPerSecond: 20 })),
      env: { ARENA_SHUTDOWN_GRACE_MS: '300' },
    });
    const dir = arena.dir;
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'Print the primes below 50' });
    if (!created.ok) throw new Error(created.error.message);
    await waitForFrame(creator, (f) => f.event === 'gen:delta');
    await arena.close();
    // Back up on the same data: the stopped battle is settled, not left generating.
    const again = await startTestArena({ database: 'embedded', models: SLOW_MODELS, dir });
    try {
      const [row] = await again.app
        .get(DataSource)
        .query<{ status: string }[]>('SELECT status FROM battles WHERE id = $1', [created.battleId]);
      expect(['failed', 'voting']).toContain(row?.status);
    } finally {
      await again.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
