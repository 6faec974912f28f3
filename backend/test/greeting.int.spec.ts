import { randomBytes } from 'node:crypto';
import { ARENA_NAMESPACE, PROTOCOL_VERSION } from '@arena/contracts';
import { until } from '@arena/testkit';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestArena, type TestArena, type TestSocket } from './support/test-arena.js';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

// Behind Redis, each connection's `session` was a stream entry (a socket's own emits go through the adapter for
// recovery) that every process read: a crowd arriving was as many entries, each read by every process.
describe('the session greeting behind Redis', () => {
  const prefix = `test-greeting-${randomBytes(4).toString('hex')}`;
  let arena: TestArena;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    arena = await startTestArena({ database: 'embedded', env: { REDIS_URL, REDIS_PREFIX: prefix } });
  });
  afterAll(async () => {
    await arena?.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('is sent from this process alone, and again to a client whose connection was recovered', async () => {
    const voterId = `greeted-${randomBytes(6).toString('hex')}`;
    const socket: TestSocket = io(`${arena.url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION, voterId },
      forceNew: true,
      // Reconnected by hand below, once the arena has kept the session of the dropped connection.
      reconnection: false,
    });
    const greetings: { voterId: string; recovered: boolean }[] = [];
    socket.on('session', (s) => greetings.push({ voterId: s.voterId, recovered: socket.recovered }));
    try {
      await until(() => greetings.length === 1, 'the greeting');
      // A broadcast to the voter's room goes through the stream (and gives the client an offset to recover from).
      const events: string[] = [];
      socket.onAny((event: string) => events.push(event));
      const created = await socket.emitWithAck('battle:create', { prompt: 'Print hello' });
      expect(created.ok).toBe(true);
      await until(() => events.includes('gen:end'), 'the battle’s frames');
      const entries = (await redis.xrange(`${prefix}:socket.io`, '-', '+')) as [string, string[]][];
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.filter(([, fields]) => fields.some((v) => v.includes(voterId)))).toEqual([]);
      // The transport drops (not a disconnect the client asked for): it comes back recovered and is greeted again.
      socket.io.engine.close();
      await until(async () => (await redis.keys(`${prefix}:sio:session:*`)).length > 0, 'the session kept');
      socket.connect();
      await until(() => greetings.length === 2, 'the second greeting');
      expect(greetings).toEqual([
        { voterId, recovered: false },
        { voterId, recovered: true },
      ]);
    } finally {
      socket.disconnect();
    }
  });
});
