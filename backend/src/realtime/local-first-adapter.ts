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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message to the other processes, before the adapter signs it (its `uid`, its namespace). */
type Outgoing = DistributiveOmit<ClusterMessage, 'nsp' | 'uid'>;

/** The parts of socket.io-adapter's cluster adapter this wrapper calls (TypeScript keeps them protected). */
interface OpenClusterAdapter {
  publishAndReturnOffset(message: Outgoing): Promise<string>;
  addOffsetIfNecessary(packet: Packet, opts: BroadcastOptions, offset: string): void;
  /** The streams adapter's: one stream entry of this namespace, read by the XREAD loop (every process's). */
  onRawMessage(message: unknown, offset: string): void;
  restoreSession(pid: string, offset: string): Promise<unknown>;
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
 * previous frame (on a loaded machine this was most of a watcher's p99; docs/scaling.md). Room changes
 * (`socketsJoin`, `socketsLeave`, `disconnectSockets`) waited the same way.
 *
 * Here the XADD is sent and the packet is written to this process's sockets at once, in call order with room
 * changes, which take effect here at once too. A packet carries as its offset the newest entry of the stream this
 * process has read (its XREAD hands it every entry, its own too, and it has written each to its sockets by then):
 * every packet not yet written to a socket here has a later entry, so a client that reconnects in time is replayed
 * all it missed, and perhaps frames it had (those since that entry). Clients fold frames by `seq` and ignore those
 * they have (`applyBattleEvent`); every other event is state that a second copy sets to the same value.
 *
 * While a client's session is being restored here (its missed packets read from the stream, its socket not yet in
 * its rooms), packets are held and written, in order, once it is: one written meanwhile would reach neither the
 * replay nor the socket. Other processes are served from the stream exactly as upstream.
 */
export function localFirst(
  factory: AdapterFactory,
  options: { lastEntry?: () => Promise<string | undefined> } = {},
): AdapterFactory {
  // A function, not an arrow: socket.io calls it with `new` (what it returns is the adapter).
  return function (nsp: Namespace): ClusterAdapter {
    const adapter = factory(nsp);
    const open = adapter as unknown as OpenClusterAdapter;
    /** The newest stream entry this process has read (and written to its sockets, when it was a broadcast). */
    let read: string | undefined;
    const note = (id: string | undefined): void => {
      if (id && streamIdAfter(id, read)) read = id;
    };
    const onRawMessage = open.onRawMessage.bind(adapter);
    open.onRawMessage = (message, offset) => {
      onRawMessage(message, offset);
      note(offset);
    };
    // Entries before this process started are none of its sockets' business: the newest is an offset to start from.
    options.lastEntry?.().then(note, noop);

    /** Restores under way; while any is, and until what they held is written, local work waits in `held`. */
    let restoring = 0;
    const held: (() => void)[] = [];
    const inOrder = (work: () => void): void => {
      if (restoring === 0 && held.length === 0) work();
      else held.push(work);
    };
    const restoreSession = open.restoreSession.bind(adapter);
    open.restoreSession = async (pid, offset) => {
      restoring += 1;
      try {
        return await restoreSession(pid, offset);
      } finally {
        // After socket.io has made the socket and put it in its rooms (its continuation of this promise).
        setImmediate(() => {
          restoring -= 1;
          while (restoring === 0 && held.length > 0) held.shift()!();
        });
      }
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
        'publishing to the other processes failed (this process’s own sockets were served)',
      );
      failures = 0;
    };
    /** Sent now, encoded now (before an offset is appended to the packet); the reply is not waited for. */
    const publish = (message: Outgoing): void => {
      open.publishAndReturnOffset(message).catch(failed);
    };
    const encode = (opts: BroadcastOptions) => ({
      rooms: [...opts.rooms],
      except: [...(opts.except ?? [])],
      flags: opts.flags ?? {},
    });

    // `async` as the methods they replace; their bodies run to the end before they return (nothing in them awaits).
    adapter.broadcast = async (packet: Packet, opts: BroadcastOptions): Promise<void> => {
      if (!opts.flags?.local) publish({ type: MessageType.BROADCAST, data: { packet, opts: encode(opts) } });
      inOrder(() => {
        // A packet for this process only (`local`) carries the offset too: it is never replayed itself, but the
        // client can recover from it (upstream sends it without one).
        if (read !== undefined) open.addOffsetIfNecessary(packet, opts, read);
        Adapter.prototype.broadcast.call(adapter, packet, opts);
      });
    };
    adapter.addSockets = async (opts: BroadcastOptions, rooms: string[]): Promise<void> => {
      if (!opts.flags?.local) publish({ type: MessageType.SOCKETS_JOIN, data: { opts: encode(opts), rooms } });
      inOrder(() => Adapter.prototype.addSockets.call(adapter, opts, rooms));
    };
    adapter.delSockets = async (opts: BroadcastOptions, rooms: string[]): Promise<void> => {
      if (!opts.flags?.local) publish({ type: MessageType.SOCKETS_LEAVE, data: { opts: encode(opts), rooms } });
      inOrder(() => Adapter.prototype.delSockets.call(adapter, opts, rooms));
    };
    adapter.disconnectSockets = async (opts: BroadcastOptions, close: boolean): Promise<void> => {
      if (!opts.flags?.local) publish({ type: MessageType.DISCONNECT_SOCKETS, data: { opts: encode(opts), close } });
      inOrder(() => Adapter.prototype.disconnectSockets.call(adapter, opts, close));
    };
    return adapter;
  };
}

/**
 * The adapter of an arena behind Redis: the streams adapter (any process serves any client; a client resumes on
 * whichever process it reaches), its own sockets served first.
 */
export function arenaStreamsAdapter(redis: Redis, prefix: string): AdapterFactory {
  const streamName = `${prefix}:socket.io`;
  return localFirst(
    createAdapter(redis, {
      streamName,
      sessionKeyPrefix: `${prefix}:sio:session:`,
      maxLen: 100_000,
      heartbeatInterval: 2_000,
      heartbeatTimeout: 6_000,
    }),
    { lastEntry: async () => (await redis.xrevrange(streamName, '+', '-', 'COUNT', 1))[0]?.[0] },
  );
}
