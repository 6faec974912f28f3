import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { TcpRelay, until } from '@arena/testkit';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localFirst, streamIdAfter } from './local-first-adapter.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Frame {
  seq: number;
}

/** A client that keeps every frame it gets and the offset each came with. */
class Watcher {
  readonly socket: ClientSocket;
  readonly frames: { seq: number; offset: string | undefined }[] = [];
  recovered = 0;
  /** The offset the client recovers from: the last one any packet carried (as socket.io-client keeps it). */
  lastOffset: string | undefined;

  constructor(url: string) {
    this.socket = connectClient(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 50 });
    this.socket.onAny((_event: string, ...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last === 'string') this.lastOffset = last;
    });
    this.socket.on('frame', (frame: Frame, offset?: string) => this.frames.push({ seq: frame.seq, offset }));
    this.socket.on('connect', () => {
      if (this.socket.recovered) this.recovered += 1;
    });
  }

  seqs(): number[] {
    return [...new Set(this.frames.map((f) => f.seq))].sort((x, y) => x - y);
  }
}

/** Where a session restore waits: `reached` once one is there, `open()` lets it (and later ones) through. */
class Gate {
  private opened = false;
  private release: () => void = () => undefined;
  private readonly open$ = new Promise<void>((resolve) => (this.release = resolve));
  reached = false;
  async pass(): Promise<void> {
    this.reached = true;
    if (!this.opened) await this.open$;
  }
  open(): void {
    this.opened = true;
    this.release();
  }
}

/** One process of a cluster: an HTTP server with socket.io on the streams adapter, every socket in room `r`. */
async function process_(
  redis: Redis,
  stream: string,
  wrap: boolean,
  restoreGate?: Gate,
): Promise<{ io: Server; http: HttpServer; url: string }> {
  const http = createHttpServer();
  const io = new Server(http, {
    connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true },
  });
  const factory = createAdapter(redis, {
    streamName: stream,
    sessionKeyPrefix: `${stream}:session:`,
    heartbeatInterval: 500,
    heartbeatTimeout: 2_000,
  });
  // The streams adapter, its session restores held at `restoreGate` once read (the socket not yet made).
  const gated = (nsp: unknown): unknown => {
    const adapter = (factory as unknown as (nsp: unknown) => { restoreSession(...args: unknown[]): Promise<unknown> })(
      nsp,
    );
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (...args) => {
      const session = await restore(...args);
      if (restoreGate) await restoreGate.pass();
      return session;
    };
    return adapter;
  };
  io.adapter((wrap ? localFirst(gated as never) : gated) as never);
  io.on('connection', (socket) => {
    if (!socket.recovered) void socket.join('r');
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

describe('streamIdAfter', () => {
  it('orders stream IDs by time, then by sequence, as numbers', () => {
    expect(streamIdAfter('1700000000001-0', '1700000000000-9')).toBe(true);
    expect(streamIdAfter('1700000000000-10', '1700000000000-9')).toBe(true);
    expect(streamIdAfter('1700000000000-9', '1700000000000-10')).toBe(false);
    expect(streamIdAfter('1700000000000-3', '1700000000000-3')).toBe(false);
    expect(streamIdAfter('10000000000000-0', '9999999999999-5')).toBe(true);
    expect(streamIdAfter('5-0', undefined)).toBe(true);
  });
});

// Upstream, a broadcast reached this process's own sockets only once Redis had answered its XADD: every frame a
// watcher got waited for a Redis round trip (and for the event loop to come back to the reply).
describe('a broadcast on the streams adapter, this process first', () => {
  const stream = `arena-test:${randomBytes(6).toString('hex')}:socket.io`;
  const redises: Redis[] = [];
  let relay: TcpRelay;
  let one: Awaited<ReturnType<typeof process_>>;
  let two: Awaited<ReturnType<typeof process_>>;
  let near: Watcher;
  let far: Watcher;
  let seq = 0;
  /** Where process one's session restores wait (open but for the test that holds one). */
  let gate = new Gate();
  /** The stream's entries: each frame's, by its seq. */
  const streamEntries = async (): Promise<{ entryOf: (seq: number) => string; ids: Set<string> }> => {
    const entries = (await redises[2]!.xrange(stream, '-', '+')) as [string, string[]][];
    const entryOf = (s: number): string => {
      const found = entries.find(([, fields]) => fields.some((v) => v.includes(`"frame",{"seq":${s}}`)));
      if (!found) throw new Error(`no stream entry for frame ${s}`);
      return found[0];
    };
    return { entryOf, ids: new Set(entries.map(([id]) => id)) };
  };
  const emit = (): number => {
    const sent = seq++;
    one.io.to('r').emit('frame', { seq: sent });
    return sent;
  };

  beforeAll(async () => {
    // Redis behind a relay whose replies the test holds back.
    relay = new TcpRelay(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    const viaRelay = new Redis(`redis://127.0.0.1:${await relay.listen()}`);
    redises.push(viaRelay, new Redis(REDIS_URL), new Redis(REDIS_URL));
    gate.open();
    one = await process_(viaRelay, stream, true, {
      pass: () => gate.pass(),
    } as Gate);
    two = await process_(redises[1]!, stream, true);
    near = new Watcher(one.url);
    far = new Watcher(two.url);
    await until(() => near.socket.connected && far.socket.connected, 'both connected');
    // Both processes read the stream once a frame from each reaches a socket of the other.
    for (;;) {
      const sent = emit();
      await new Promise((r) => setTimeout(r, 100));
      if (far.frames.some((f) => f.seq === sent)) break;
    }
    let probed = false;
    near.socket.on('probe', () => (probed = true));
    while (!probed) {
      two.io.to('r').emit('probe', {});
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => near.frames.length === seq, 'the warm-up frames');
  });

  afterAll(async () => {
    near?.socket.disconnect();
    far?.socket.disconnect();
    for (const p of [one, two]) {
      await p?.io.close();
    }
    relay?.close();
    await redises[2]?.del(stream);
    for (const redis of redises) redis.disconnect();
  });

  it('reaches this process’s sockets while Redis has not answered, and the other process’s once it has', async () => {
    relay.hold();
    const sent = [emit(), emit(), emit()];
    await until(() => sent.every((s) => near.frames.some((f) => f.seq === s)), 'frames with Redis held');
    relay.release();
    await until(() => sent.every((s) => far.frames.some((f) => f.seq === s)), 'frames on the other process');
    // In emit order on both.
    expect(near.frames.map((f) => f.seq)).toEqual([...Array(seq).keys()]);
    expect(far.frames.map((f) => f.seq).slice(-3)).toEqual(sent);
  });

  it('gives this process’s sockets an offset older than the frame’s own entry, the other process’s its entry', async () => {
    const sent = [emit(), emit(), emit(), emit()];
    await until(() => near.frames.length === seq, 'the frames here');
    await until(() => sent.every((s) => far.frames.some((f) => f.seq === s)), 'the frames there');
    const { entryOf, ids } = await streamEntries();
    for (const s of sent) {
      const own = entryOf(s);
      const here = near.frames.find((f) => f.seq === s)!.offset;
      expect(here, `frame ${s} here`).toBeDefined();
      expect(ids.has(here!), `frame ${s}'s offset is an entry of the stream`).toBe(true);
      expect(streamIdAfter(own, here), `frame ${s}'s offset comes before its entry`).toBe(true);
      expect(far.frames.find((f) => f.seq === s)!.offset).toBe(own);
    }
  });

  it('gives a packet for this process only an offset too, no stream entry, and an offset as new as what it read', async () => {
    // A frame from the other process, read here: the offsets after it start no earlier than its entry.
    const remote = seq++;
    two.io.to('r').emit('frame', { seq: remote });
    await until(() => near.frames.some((f) => f.seq === remote), 'the other process’s frame');
    const notes: (string | undefined)[] = [];
    near.socket.on('note', (_payload: unknown, offset?: string) => notes.push(offset));
    const marker = randomBytes(6).toString('hex');
    one.io.local.to('r').emit('note', { marker });
    await until(() => notes.length === 1, 'the note');
    const entries = (await redises[2]!.xrange(stream, '-', '+')) as [string, string[]][];
    expect(entries.map(([id]) => id)).toContain(notes[0]);
    expect(entries.some(([, fields]) => fields.some((v) => v.includes(marker)))).toBe(false);
    const { entryOf } = await streamEntries();
    expect(streamIdAfter(entryOf(remote), notes[0])).toBe(false);
  });

  it('puts sockets in a room here before a broadcast sent after it', async () => {
    const got: number[] = [];
    near.socket.on('late', (payload: { n: number }) => got.push(payload.n));
    one.io.in('r').socketsJoin('r2');
    one.io.to('r2').emit('late', { n: 1 });
    await until(() => got.length === 1, 'the broadcast to the room just joined');
    one.io.in('r').socketsLeave('r2');
    one.io.to('r2').emit('late', { n: 2 });
    one.io.to('r').emit('late', { n: 3 });
    await until(() => got.length === 2, 'the broadcast after leaving');
    expect(got).toEqual([1, 3]);
  });

  it('holds this process’s broadcasts while a client’s session is restored here, then writes them to it', async () => {
    gate = new Gate();
    const server = [...one.io.of('/').sockets.values()][0]!;
    server.conn.close();
    await until(() => !near.socket.connected, 'the drop');
    // Its session is read back from the stream; its socket is not made yet.
    await until(() => gate.reached, 'the restore');
    const during = [emit(), emit()];
    gate.open();
    await until(() => near.recovered === 1 && near.socket.connected, 'the recovery');
    await until(() => during.every((s) => near.frames.some((f) => f.seq === s)), 'the frames sent during the restore');
    expect(near.seqs()).toEqual([...Array(seq).keys()]);
  });

  it('replays what a recovered client missed, and at most frames it had again', async () => {
    const before = near.frames.length;
    const last = near.lastOffset;
    // The connection drops (not a disconnect the client asked for): it comes back and is recovered.
    const server = [...one.io.of('/').sockets.values()][0]!;
    server.conn.close();
    await until(() => !near.socket.connected, 'the drop');
    const missed = [emit(), emit(), emit()];
    await until(() => near.recovered === 2 && near.socket.connected, 'recovery');
    await until(() => missed.every((s) => near.frames.some((f) => f.seq === s)), 'the missed frames');
    const after = [emit(), emit()];
    await until(() => after.every((s) => near.frames.some((f) => f.seq === s)), 'frames after recovery');
    expect(near.seqs()).toEqual([...Array(seq).keys()]);
    // Copies are of the frames it had that were appended to the stream after the last offset it got, in order.
    const seen = new Set(near.frames.slice(0, before).map((f) => f.seq));
    const copies = near.frames.slice(before).filter((f) => seen.has(f.seq) || !seen.add(f.seq));
    const { entryOf } = await streamEntries();
    const had = [...Array(before).keys()].filter((s) => streamIdAfter(entryOf(s), last));
    expect(copies.map((f) => f.seq)).toEqual(had);
    expect(had.length).toBeLessThan(before);
  });
});
