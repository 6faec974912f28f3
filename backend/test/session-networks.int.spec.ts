import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASES,
  connectClient,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

type Client = Awaited<ReturnType<typeof connectClient>>;

/**
 * Voting sessions against one client with many voter ids (issue 19, item 9): the hostile review's three
 * findings, over real sockets behind a trusted proxy. Each failed before participation was bound to networks.
 */
describe.each(DATABASES)('session participation bound to networks on %s', (database) => {
  let arena: TestArena;
  const clients: Client[] = [];

  beforeAll(async () => {
    arena = await startTestArena({
      database,
      env: { ARENA_TRUST_PROXY: '127.0.0.1', ARENA_SESSION_PER_NETWORK: '3', ARENA_RATE_LIMITS: 'guess=10/8' },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.socket.disconnect();
    await arena.stop();
  });

  async function client(address: string, voterId?: string): Promise<Client> {
    const c = await connectClient(arena.url, voterId, address);
    clients.push(c);
    return c;
  }

  it('counts the votes of one client with 25 voter ids as at most the network allowance; the host lets more in', async () => {
    const host = await client('198.51.100.1');
    const created = await host.socket.emitWithAck('session:create', { title: 'Sybil check' });
    if (!created.ok) throw new Error(created.error.message);
    const { sessionId, joinCode, hostKey } = created;
    // One attacker at one address minting 25 voter ids (before: 25 votes counted).
    const ids = await Promise.all(Array.from({ length: 25 }, () => client('203.0.113.9')));
    const joins = [];
    for (const [i, id] of ids.entries())
      joins.push(await id.socket.emitWithAck('session:join', { joinCode, nickname: `id ${i}` }));
    expect(joins.every((j) => j.ok)).toBe(true);
    expect(joins.map((j) => j.ok && j.snapshot.waiting === true)).toEqual(Array.from({ length: 25 }, (_, i) => i >= 3));

    const started = await host.socket.emitWithAck('session:battle', { sessionId, hostKey, prompt: 'Print hello' });
    if (!started.ok) throw new Error(started.error.message);
    await waitForFrame(host, statusIs(started.battleId, 'voting'));
    const acks = await Promise.all(
      ids.map((id) =>
        id.socket.emitWithAck('session:vote', { sessionId, battleId: started.battleId, winner: 'model_a' }),
      ),
    );
    expect(acks.filter((a) => a.ok)).toHaveLength(3);
    expect(acks.filter((a) => !a.ok && a.error.message === 'the host has not let you in yet')).toHaveLength(22);

    // The host sees the crowd from one network waiting, and lets one of them in: it hears so and votes.
    const view = await host.socket.emitWithAck('session:host', { sessionId, hostKey });
    if (!view.ok) throw new Error(view.error.message);
    expect(view.snapshot.participants).toBe(3);
    expect(view.snapshot.roster.filter((p) => p.waiting)).toHaveLength(22);
    expect(view.snapshot.roster.every((p) => p.sameNetwork === 24)).toBe(true);
    const let_in = view.snapshot.roster.find((p) => p.nickname === 'id 3')!;
    const admitted = await host.socket.emitWithAck('session:admit', {
      sessionId,
      hostKey,
      participantIds: [let_in.participantId],
    });
    expect(admitted).toEqual({ ok: true, admitted: 1 });
    // Only the host key lets people in.
    const forged = await ids[4]!.socket.emitWithAck('session:admit', {
      sessionId,
      hostKey: 'x'.repeat(32),
      participantIds: [view.snapshot.roster[4]!.participantId],
    });
    expect(forged).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    await waitForFrame(ids[3]!, (f) => f.event === 'session:admitted');
    await waitForFrame(host, (f) => f.event === 'session:update' && (f.payload as { waiting: number }).waiting === 21);
    const late = await ids[3]!.socket.emitWithAck('session:vote', {
      sessionId,
      battleId: started.battleId,
      winner: 'model_b',
    });
    expect(late).toEqual({ ok: true });
    const closed = await host.socket.emitWithAck('session:close', { sessionId, hostKey, battleId: started.battleId });
    expect(closed).toMatchObject({ ok: true, tally: { voters: 4, counts: { model_a: 3, model_b: 1 } } });
  });

  it('stops answering join codes for an address that guessed wrong too often, across rotating voter ids', async () => {
    const host = await client('198.51.100.2');
    const created = await host.socket.emitWithAck('session:create', { title: 'Guess me' });
    if (!created.ok) throw new Error(created.error.message);
    // A guesser minting a fresh voter id for every try (before: 100 tries answered, the right one let in).
    const answers = [];
    for (let i = 0; i < 12; i++) {
      const guesser = await client('203.0.113.50');
      answers.push(await guesser.socket.emitWithAck('session:join', { joinCode: `ZZZZ${i + 22}`, nickname: 'g' }));
    }
    const codes = answers.map((a) => (a.ok ? 'ok' : a.error.code));
    expect(codes.slice(0, 8)).toEqual(Array.from({ length: 8 }, () => 'not_found'));
    expect(codes.slice(8)).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    const rightGuess = await (
      await client('203.0.113.50')
    ).socket.emitWithAck('session:join', { joinCode: created.joinCode, nickname: 'g' });
    expect(rightGuess).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    // Someone else, at another address, is not affected.
    const guest = await client('203.0.113.51');
    const joined = await guest.socket.emitWithAck('session:join', { joinCode: created.joinCode, nickname: 'guest' });
    expect(joined.ok).toBe(true);
  });

  it('sends a removed participant who returns under a new voter id to the waiting list, and approves joins on request', async () => {
    const host = await client('198.51.100.3');
    const created = await host.socket.emitWithAck('session:create', { title: 'Careful', joinPolicy: 'approve' });
    if (!created.ok) throw new Error(created.error.message);
    const { sessionId, joinCode, hostKey } = created;
    const troll = await client('203.0.113.70');
    const first = await troll.socket.emitWithAck('session:join', { joinCode, nickname: 'troll' });
    expect(first).toMatchObject({ ok: true, snapshot: { joinPolicy: 'approve', waiting: true } });
    if (!first.ok) return;
    await host.socket.emitWithAck('session:admit', {
      sessionId,
      hostKey,
      participantIds: [first.snapshot.participantId!],
    });
    await host.socket.emitWithAck('session:remove', {
      sessionId,
      hostKey,
      participantId: first.snapshot.participantId!,
    });
    await waitForFrame(troll, (f) => f.event === 'session:removed');
    // Back with a new voter id (before: straight back in).
    const again = await client('203.0.113.70');
    const back = await again.socket.emitWithAck('session:join', { joinCode, nickname: 'not a troll' });
    expect(back).toMatchObject({ ok: true, snapshot: { waiting: true } });
    const view = await host.socket.emitWithAck('session:host', { sessionId, hostKey });
    expect(view.ok && view.snapshot.roster).toEqual([
      { participantId: expect.any(String), nickname: 'not a troll', waiting: true, sameNetwork: 0 },
    ]);
  });
});
