import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startTestArena, type TestArena, type TestSocket } from './support/test-arena.js';

/** A client that claims an address of its own choosing in X-Forwarded-For. */
async function claiming(url: string, voterId: string, forwardedFor: string): Promise<TestSocket> {
  return (await connectClient(url, voterId, forwardedFor)).socket;
}

describe('per-address limits with a proxy in front', () => {
  let arena: TestArena;

  beforeAll(async () => {
    // The arena sits behind proxies at 10.x; the test's clients connect from 127.0.0.1, past them.
    arena = await startTestArena({
      database: 'embedded',
      env: { ARENA_TRUST_PROXY: '10.0.0.0/8', ARENA_RATE_LIMITS: 'create=3/5' },
    });
  });
  afterAll(async () => {
    await arena?.stop();
  });

  it('does not let clients invent addresses, and one flooding voter does not lock out its neighbours', async () => {
    // Ten voters each claiming an address of their own: they share the one real address's budget of 5.
    const sockets = await Promise.all(
      Array.from({ length: 10 }, (_, i) => claiming(arena.url, `forger-${i}-voter`, `198.51.100.${i + 1}`)),
    );
    const acks = await Promise.all(sockets.map((s) => s.emitWithAck('battle:create', { prompt: 'Print hi' })));
    expect(acks.filter((a) => a.ok)).toHaveLength(5);
    expect(acks.filter((a) => !a.ok && a.error.code === 'rate_limited')).toHaveLength(5);
    for (const socket of sockets) socket.disconnect();
  });
});

describe('per-voter limits come first', () => {
  let arena: TestArena;

  beforeAll(async () => {
    arena = await startTestArena({ database: 'embedded', env: { ARENA_RATE_LIMITS: 'create=3/10' } });
  });
  afterAll(async () => {
    await arena?.stop();
  });

  it('a voter past its own budget spends nothing of the address it shares', async () => {
    const flooder = await claiming(arena.url, 'flooding-voter', '');
    const flood = [];
    for (let i = 0; i < 20; i++) flood.push(await flooder.emitWithAck('battle:create', { prompt: `Print ${i}` }));
    expect(flood.filter((a) => a.ok)).toHaveLength(3);
    const neighbour = await claiming(arena.url, 'neighbour-voter', '');
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await neighbour.emitWithAck('battle:create', { prompt: `Mine ${i}` }));
    expect(mine.map((a) => a.ok)).toEqual([true, true, true]);
    flooder.disconnect();
    neighbour.disconnect();
  });
});
