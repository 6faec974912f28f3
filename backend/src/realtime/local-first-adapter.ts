import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import {
  Adapter,
  MessageType,
  type BroadcastOptions,
  type ClusterAdapter,
  type ClusterMessage,
} from 'socket.io-adapter';
import type { Namespace } from 'socket.io';
import { createLogger } from '../logging/logger.js';

/** A socket.io packet as adapters see it (socket.io-parser's, which the adapter's types leave as `any`). */
interface Packet {
  type: number;
  data: unknown[];
  id?: number;
  nsp?: string;
}

/** The parts of socket.io-adapter's cluster adapter this wrapper calls (TypeScript keeps them protected). */
interface OpenClusterAdapter {
  publishAndReturnOffset(message: Omit<ClusterMessage, 'nsp' | 'uid'>): Promise<string>;
  addOffsetIfNecessary(packet: Packet, opts: BroadcastOptions, offset: string): void;
}

type AdapterFactory = (nsp: Namespace) => ClusterAdapter;

const logger = createLogger('SocketAdapter');
const noop = (): void => undefined;

/** Whether stream entry ID `a` comes after `b` (`<ms>-<seq>`, both numbers compared as such). */
export function streamIdAfter(a: string, b: string | undefined): boolean {
  if (b === undefined) return true;
  const [aMs = '', aSeq = ''] = a.split('-');
  const [bMs = '', bSeq = ''] = b.split('-');
  if (aMs.length !== bMs.length) return aMs.length > bMs.length;
  if (aMs !== bMs) return aMs > bMs;
  return Number(aSeq) > Number(bSeq);
}

/**
 * The Redis streams adapter with this process's own sockets served first. Upstream, a broadcast waits for its
 * XADD's reply before this process writes it to any of its sockets, because the reply's stream ID is the offset a
 * client recovers from: every frame pays a Redis round trip plus a turn of an event loop busy fanning out the
 * previous frame (on a loaded machine this was most of a watcher's p99; docs/scaling.md).
 *
 * Here the XADD is sent and the packet is written to this process's sockets at once, in emit order. It carries as
 * its offset the newest stream ID any XADD of this process has had back, which is older than the packet's own
 * entry: this process's XADDs go over one connection and Redis appends them in the order sent, so every packet of
 * this process not yet written to a socket has a later entry than that offset. A client that reconnects in time is
 * replayed everything after it: what it missed, and perhaps the last frames it already had (those sent in the
 * round trip before its last packet). Clients fold frames by `seq` and ignore those they have (`applyBattleEvent`);
 * every other event is state that a second copy sets to the same value. Other processes are served from the
 * stream exactly as upstream, with each entry's own ID.
 */
export function localFirst(factory: AdapterFactory): AdapterFactory {
  // A function, not an arrow: socket.io calls it with `new` (what it returns is the adapter).
  return function (nsp: Namespace): ClusterAdapter {
    const adapter = factory(nsp);
    const open = adapter as unknown as OpenClusterAdapter;
    /** The newest stream ID this process's own XADDs were answered with. */
    let answered: string | undefined;
    // Every XADD of this process passes here (broadcasts, room changes, heartbeats); a PUBLISH answers ''.
    const publish = open.publishAndReturnOffset.bind(adapter);
    open.publishAndReturnOffset = (message) => {
      const reply = publish(message);
      void reply.then((id) => {
        if (id && streamIdAfter(id, answered)) answered = id;
      }, noop);
      return reply;
    };
    // While Redis is away every frame fails: one line per 10 s, with how many failed since the last.
    let failures = 0;
    let warnedAt = -Infinity;
    const failed = (err: unknown): void => {
      failures += 1;
      if (performance.now() - warnedAt < 10_000) return;
      warnedAt = performance.now();
      logger.warn(
        { err: err instanceof Error ? err.message : String(err), nsp: nsp.name, failures },
        'publishing broadcasts to the other processes failed (this process’s own sockets got them)',
      );
      failures = 0;
    };
    // `async` as the method it replaces; its body runs to the end before this returns (nothing in it awaits).
    adapter.broadcast = async (packet: Packet, opts: BroadcastOptions): Promise<void> => {
      if (!opts.flags?.local) {
        // Encoded for the stream now (before the offset is appended below); the reply comes later.
        open
          .publishAndReturnOffset({
            type: MessageType.BROADCAST,
            data: { packet, opts: { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags } },
          } as Omit<ClusterMessage, 'nsp' | 'uid'>)
          .catch(failed);
      }
      // A packet for this process only (`local`) carries the offset too: it is never replayed itself, but the client
      // can recover from it (upstream sends it without one, and a client whose only packets so far were local ones,
      // a fresh connection's `session`, could not).
      if (answered !== undefined) open.addOffsetIfNecessary(packet, opts, answered);
      Adapter.prototype.broadcast.call(adapter, packet, opts);
    };
    return adapter;
  };
}

/**
 * The adapter of an arena behind Redis: the streams adapter (any process serves any client; a client resumes on
 * whichever process it reaches), its own sockets served first.
 */
export function arenaStreamsAdapter(redis: Redis, prefix: string): AdapterFactory {
  return localFirst(
    createAdapter(redis, {
      streamName: `${prefix}:socket.io`,
      sessionKeyPrefix: `${prefix}:sio:session:`,
      maxLen: 100_000,
      heartbeatInterval: 2_000,
      heartbeatTimeout: 6_000,
    }),
  );
}
