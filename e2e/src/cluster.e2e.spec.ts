import {
  applyBattleEvent,
  ARENA_NAMESPACE,
  PROTOCOL_VERSION,
  type Ack,
  type BattleEvent,
  type ModelRef,
  type BattleSnapshot,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SessionSnapshot,
  type Winner,
} from '@arena/contracts';
import { freshPostgresDatabase, startArenaProcess, TcpRelay, type Proc } from '@arena/testkit';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Two arena processes on one PostgreSQL database and one Redis: a standalone battle continued and voted on
 * from the process that does not run it; then a voting session of three battles with the host on one process and
 * participants and spectators on both; a network blip, then the death of the process serving half the
 * participants, mid-battle.
 */

const REDIS = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// Slow enough that a battle is still streaming when the process dies.
const MODELS = [
  { id: 'demo-atlas', name: 'Demo Atlas', provider: 'demo', style: 'typescript', tokensPerSecond: 250 },
  { id: 'demo-breeze', name: 'Demo Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 200 },
];

type ArenaSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A participant's phone: joins, follows the current battle (rebuilding it from snapshot + frames), votes. */
class Person {
  readonly socket: ArenaSocket;
  readonly frames: BattleEvent[] = [];
  battle: BattleSnapshot | undefined;
  session: SessionSnapshot | undefined;
  recovered = 0;
  fresh = 0;
  gaps = 0;
  joinCode = '';

  constructor(
    url: string,
    readonly voterId: string,
    readonly nickname: string,
  ) {
    this.socket = io(`${url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION, voterId },
      forceNew: true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 500,
    });
    this.socket.onAny((event: string, payload: unknown) => {
      if (event === 'session:state')
        void this.follow((payload as SessionSnapshot).currentBattleId).catch(() => undefined);
      if (event === 'battle:state' && (payload as BattleSnapshot).battleId === this.battle?.battleId) {
        // A snapshot after catching up: it replaces what was rebuilt (newer frames are applied on it).
        this.battle = payload as BattleSnapshot;
        for (const frame of this.frames) applyBattleEvent(this.battle, frame);
        return;
      }
      if (typeof payload === 'object' && payload && 'battleId' in payload) {
        const frame = { event, payload } as BattleEvent;
        this.frames.push(frame);
        if (this.battle && applyBattleEvent(this.battle, frame) === 'gap') this.gaps += 1;
      }
    });
    this.socket.on('connect', () => {
      if (!this.joinCode) return;
      if (this.socket.recovered) {
        this.recovered += 1;
        // A watch whose answer was lost with the connection is asked again (the room itself was restored).
        if (this.pending) void this.follow(this.pending, true).catch(() => undefined);
      } else {
        // A new connection (the process that served it is gone): join again, take a fresh snapshot.
        this.fresh += 1;
        void this.join(this.joinCode);
      }
    });
  }

  async join(joinCode: string): Promise<SessionSnapshot> {
    this.joinCode = joinCode;
    const ack: Ack<{ snapshot: SessionSnapshot }> = await this.socket
      .timeout(10_000)
      .emitWithAck('session:join', { joinCode, nickname: this.nickname });
    if (!ack.ok) throw new Error(ack.error.message);
    this.session = ack.snapshot;
    await this.follow(ack.snapshot.currentBattleId, true);
    return ack.snapshot;
  }

  /** A battle whose snapshot was asked for and not received yet. */
  private pending: string | undefined;

  private async follow(battleId: string | undefined, force = false): Promise<void> {
    if (!battleId || (!force && (this.battle?.battleId === battleId || this.pending === battleId))) return;
    this.pending = battleId;
    const ack: Ack<{ snapshot: BattleSnapshot }> = await this.socket
      .timeout(10_000)
      .emitWithAck('battle:watch', { battleId });
    if (!ack.ok) throw new Error(ack.error.message);
    this.pending = undefined;
    this.battle = ack.snapshot;
    // Frames that came before the snapshot are already in it (older sequence numbers are ignored).
    for (const frame of this.frames) applyBattleEvent(this.battle, frame);
  }

  async waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${this.nickname}: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  vote(sessionId: string, battleId: string, winner: Winner) {
    return this.socket.timeout(10_000).emitWithAck('session:vote', { sessionId, battleId, winner });
  }
}

describe('two arena processes behind Redis', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let one: Proc;
  let two: Proc;
  /** A load balancer in front of the processes: new connections go to its target. */
  let relay: TcpRelay;
  let relayPort: number;

  beforeAll(async () => {
    database = await freshPostgresDatabase('arena_cluster');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: REDIS,
      REDIS_PREFIX: `test-${database.name}`,
      DOCKER_HOSTS: 'none',
      ARENA_PYODIDE: 'off',
    };
    // One after the other: the first one migrates the shared database.
    one = await startArenaProcess(MODELS, env);
    two = await startArenaProcess(MODELS, env);
    relay = new TcpRelay(Number(new URL(two.url).port));
    relayPort = await relay.listen();
  });

  afterAll(async () => {
    await Promise.allSettled([one?.stop(), two?.stop()]);
    relay?.close();
    await database?.drop();
  });

  it('continues and reveals a standalone battle from another process than the one running it, on both', async () => {
    // The creator starts the battle on process one (which runs it) and votes from a tab on process two.
    const creatorOnOne = new Person(one.url, 'creator-standalone', 'creator');
    const creatorOnTwo: ArenaSocket = io(`${two.url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION, voterId: 'creator-standalone' },
      forceNew: true,
    });
    const watcherOnOne = new Person(one.url, 'watch-standalone-one', 'wes');
    const created = await creatorOnOne.socket.emitWithAck('battle:create', { prompt: 'Print hello world in Python' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    const watched = await watcherOnOne.socket.emitWithAck('battle:watch', { battleId });
    if (!watched.ok) throw new Error(watched.error.message);
    watcherOnOne.battle = watched.snapshot;
    for (const frame of watcherOnOne.frames) applyBattleEvent(watcherOnOne.battle, frame);
    await watcherOnOne.waitFor(() => watcherOnOne.battle?.status === 'voting', 'voting');

    // A follow-up from the tab on process two is played by process one; a stranger on two is refused by it.
    const stranger: ArenaSocket = io(`${two.url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION, voterId: 'stranger-standalone' },
      forceNew: true,
    });
    expect(
      await stranger.timeout(10_000).emitWithAck('battle:followup', { battleId, prompt: 'Mine now' }),
    ).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    stranger.disconnect();
    expect(
      await creatorOnTwo.timeout(10_000).emitWithAck('battle:followup', { battleId, prompt: 'Now print it twice' }),
    ).toEqual({ ok: true, turn: 1 });
    const votingFrames = (): number =>
      watcherOnOne.frames.filter((f) => f.event === 'battle:status' && f.payload.status === 'voting').length;
    await watcherOnOne.waitFor(() => votingFrames() === 2, 'the second turn');
    const continued = (await (await fetch(`${two.url}/api/battles/${battleId}`)).json()) as BattleSnapshot;
    expect(continued.turns.map((t) => t.prompt)).toEqual(['Print hello world in Python', 'Now print it twice']);
    expect(continued.turns[1]?.sides.a.text).not.toBe('');
    expect(continued.turns[1]?.sides.b.text).not.toBe('');

    const vote: Ack<{ models: { a: ModelRef; b: ModelRef } }> = await creatorOnTwo
      .timeout(10_000)
      .emitWithAck('battle:vote', { battleId, winner: 'model_b' });
    if (!vote.ok) throw new Error(vote.error.message);
    expect(vote.models.a.id).not.toBe(vote.models.b.id);
    // battle:status and battle:revealed are two frames: wait for the one that names the models.
    await watcherOnOne.waitFor(() => watcherOnOne.battle?.models !== undefined, 'the reveal');
    expect(watcherOnOne.battle?.status).toBe('revealed');
    expect(watcherOnOne.battle?.models).toEqual(vote.models);

    // Process one, which holds the battle in memory, follows: its snapshot and its live list say revealed.
    for (const proc of [one, two]) {
      const snapshot = (await (await fetch(`${proc.url}/api/battles/${battleId}`)).json()) as BattleSnapshot;
      expect(snapshot.status, proc.url).toBe('revealed');
      expect(snapshot.models, proc.url).toEqual(vote.models);
      expect(snapshot.winner, proc.url).toBe('model_b');
      const live = (await (await fetch(`${proc.url}/api/battles?status=live`)).json()) as { battleId: string }[];
      expect(
        live.map((b) => b.battleId),
        proc.url,
      ).not.toContain(battleId);
    }
    // The vote counted once, wherever it is retried.
    const again = await creatorOnOne.socket.timeout(10_000).emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    expect(again).toMatchObject({ ok: false, error: { code: 'already_voted' } });
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db.query<{ winner: Winner }>('SELECT winner FROM votes WHERE battle_id = $1', [battleId]);
    await db.end();
    expect(rows).toEqual([{ winner: 'model_b' }]);
    for (const socket of [creatorOnOne.socket, creatorOnTwo, watcherOnOne.socket]) socket.disconnect();
  });

  it('runs a session across both, survives a blip and the death of one process, loses and doubles no vote', async () => {
    const host = io(`${one.url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION },
      forceNew: true,
    }) as ArenaSocket;
    const created = await host.emitWithAck('session:create', { title: 'Cluster night' });
    if (!created.ok) throw new Error(created.error.message);
    const { sessionId, joinCode, hostKey } = created;

    // Two participants on process one, two on process two (through the relay), and a spectator on each.
    const relayUrl = `http://127.0.0.1:${relayPort}`;
    const onOne = [new Person(one.url, 'voter-one-aaaa', 'ann'), new Person(one.url, 'voter-one-bbbb', 'bob')];
    const onTwo = [new Person(relayUrl, 'voter-two-cccc', 'cat'), new Person(relayUrl, 'voter-two-dddd', 'dan')];
    const people = [...onOne, ...onTwo];
    for (const person of people) await person.join(joinCode);
    const spectators = [new Person(one.url, 'watch-one-eeee', 'eve'), new Person(two.url, 'watch-two-ffff', 'fay')];

    const expectSame = async (person: Person, battleId: string): Promise<void> => {
      const server = (await (await fetch(`${one.url}/api/battles/${battleId}`)).json()) as BattleSnapshot;
      for (const side of ['a', 'b'] as const) {
        const text = server.turns[0]!.sides[side].text;
        // After a recovered reconnect the missed frames are replayed from Redis while live ones flow: the last
        // delta may come in just after the status that followed it (in sequence, so never as a gap).
        await person
          .waitFor(() => person.battle?.turns[0]?.sides[side].text === text, 'the whole text', 10_000)
          .catch(() => undefined);
        expect(person.battle?.turns[0]?.sides[side].text, `${person.nickname} side ${side}`).toBe(text);
      }
    };
    const acked: { voterId: string; battleId: string; winner: Winner }[] = [];
    const voteAll = async (battleId: string, voters: Person[]): Promise<void> => {
      for (const [i, person] of voters.entries()) {
        await person.waitFor(() => person.battle?.battleId === battleId && person.battle.status === 'voting', 'voting');
        const winner: Winner = i % 3 === 2 ? 'model_b' : 'model_a';
        const ack = await person.vote(sessionId, battleId, winner);
        expect(ack.ok, JSON.stringify(ack)).toBe(true);
        acked.push({ voterId: person.voterId, battleId, winner });
      }
    };

    const startBattle = async (prompt: string): Promise<string> => {
      const ack = await host.emitWithAck('session:battle', { sessionId, hostKey, prompt });
      if (!ack.ok) throw new Error(ack.error.message);
      return ack.battleId;
    };

    // Battle 1: runs on process one; everyone on process two sees every delta; spectators follow from a snapshot.
    const first = await startBattle('Print the first 20 Fibonacci numbers');
    for (const spectator of spectators) {
      const ack = await spectator.socket.emitWithAck('battle:watch', { battleId: first });
      if (!ack.ok) throw new Error(ack.error.message);
      spectator.battle = ack.snapshot;
      for (const frame of spectator.frames) applyBattleEvent(spectator.battle, frame);
    }
    await voteAll(first, people);
    const closeFirst = await host.emitWithAck('session:close', { sessionId, hostKey, battleId: first });
    expect(closeFirst.ok && closeFirst.tally.voters).toBe(4);
    for (const person of [...people, ...spectators]) {
      await person.waitFor(() => person.battle?.status === 'revealed', 'the reveal');
      await expectSame(person, first);
      expect(person.gaps, person.nickname).toBe(0);
    }

    // Battle 2: a network blip mid-stream; the relay now leads to process one. The clients resume there from
    // the session process two stored in Redis, without missing a delta.
    const second = await startBattle('Write a function that checks whether a string is a palindrome');
    for (const person of onTwo) {
      await person.waitFor(
        () => person.battle?.battleId === second && (person.battle.turns[0]?.sides.a.seq ?? -1) >= 2,
        'deltas',
      );
    }
    relay.target = Number(new URL(one.url).port);
    relay.cut();
    for (const person of onTwo) await person.waitFor(() => person.recovered === 1, 'recovery');
    await voteAll(second, people);
    for (const person of onTwo) {
      await expectSame(person, second);
      expect(person.gaps, person.nickname).toBe(0);
      expect(person.fresh).toBe(0);
    }
    expect((await host.emitWithAck('session:close', { sessionId, hostKey, battleId: second })).ok).toBe(true);

    // Battle 3: the participants' process dies mid-battle (relay back to it first); they reconnect to process
    // one, join again with a fresh snapshot, and vote. The battle itself, run by process one, goes on.
    relay.target = Number(new URL(two.url).port);
    relay.cut();
    for (const person of onTwo) await person.waitFor(() => person.fresh + person.recovered >= 2, 'back on two');
    const third = await startBattle('Sort a list of numbers without the built-in sort');
    for (const person of onTwo) await person.waitFor(() => person.battle?.battleId === third, 'battle three');
    relay.target = Number(new URL(one.url).port);
    two.child.kill('SIGKILL');
    for (const person of onTwo)
      await person.waitFor(() => person.fresh >= 1 && person.battle?.battleId === third, 'rejoin');
    await voteAll(third, people);
    // Votes acknowledged before the crash are still there, and a retry does not count twice.
    const retry = await onTwo[0]!.vote(sessionId, second, 'model_b');
    expect(retry).toMatchObject({ ok: false, error: { code: 'already_voted' } });
    const closeThird = await host.emitWithAck('session:close', { sessionId, hostKey, battleId: third });
    expect(closeThird.ok && closeThird.tally.voters).toBe(4);
    for (const person of onTwo) {
      await person.waitFor(() => person.battle?.status === 'revealed', 'the reveal after the crash');
      await expectSame(person, third);
    }

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db.query<{ voter_id: string; battle_id: string; winner: Winner }>(
      'SELECT voter_id, battle_id, winner FROM votes WHERE session_id = $1',
      [sessionId],
    );
    await db.end();
    const key = (v: { voterId: string; battleId: string; winner: Winner }): string =>
      `${v.voterId}/${v.battleId}/${v.winner}`;
    expect(rows.map((r) => key({ voterId: r.voter_id, battleId: r.battle_id, winner: r.winner })).sort()).toEqual(
      acked.map(key).sort(),
    );
    const summary = (await (await fetch(`${one.url}/api/sessions/${sessionId}/summary`)).json()) as {
      battles: { tally: { voters: number } }[];
    };
    expect(summary.battles.map((b) => b.tally.voters)).toEqual([4, 4, 4]);

    host.disconnect();
    for (const person of [...people, ...spectators]) person.socket.disconnect();
  });
});
