import { SessionAwareAdapter, type Adapter } from 'socket.io-adapter';
import type { Namespace, Server } from 'socket.io';

type AdapterFactory = (nsp: Namespace) => Adapter;

interface EncodingAdapter {
  _encode(packet: unknown, packetOpts: { wsPreEncodedFrame?: Buffer[] }): unknown[];
}

/**
 * A broadcast's WebSocket frame as one buffer. socket.io frames a broadcast once (`wsPreEncodedFrame`: the header
 * and the payload, two buffers) and every websocket client then writes it: two buffers make a corked pair of
 * writes and a `writev` per client, one buffer a single write. The bytes on the wire are the same.
 */
export function oneWriteFrames(factory: AdapterFactory): AdapterFactory {
  // A function, not an arrow: socket.io calls it with `new` (what it returns is the adapter).
  return function (nsp: Namespace): Adapter {
    const adapter = factory(nsp);
    const encoding = adapter as unknown as EncodingAdapter;
    const encode = encoding._encode.bind(adapter);
    encoding._encode = (packet, packetOpts) => {
      const encoded = encode(packet, packetOpts);
      const frame = packetOpts.wsPreEncodedFrame;
      if (frame && frame.length > 1) packetOpts.wsPreEncodedFrame = [Buffer.concat(frame)];
      return encoded;
    };
    return adapter;
  };
}

/** socket.io's own adapter with connection-state recovery (one process), its frames written at once. */
export const sessionAwareOneWrite: AdapterFactory = oneWriteFrames((nsp) => new SessionAwareAdapter(nsp));

/** What socket.io hands engine.io with a packet: a broadcast's frame, encoded once, and its flags. */
interface WriteOptions {
  wsPreEncodedFrame?: Buffer[];
  volatile?: boolean;
}

/** The parts of an engine.io connection (`engine.io`'s `Socket`) and of its `ws` WebSocket read here. */
interface EngineConnection {
  readyState: string;
  upgrading: boolean;
  /** Packets waiting for the transport; a frame written past them would overtake them. */
  writeBuffer: unknown[];
  transport: {
    name: string;
    perMessageDeflate?: unknown;
    socket?: {
      readyState: number;
      /** The TCP socket: bytes it holds are ones the kernel has not taken yet. */
      _socket?: { writableLength: number };
      _sender?: { sendFrame?: (frame: Buffer[], cb?: () => void) => void };
    };
  };
  write: (this: EngineConnection, data: unknown, options?: WriteOptions, callback?: () => void) => unknown;
}

type EngineWrite = EngineConnection['write'];
const WS_OPEN = 1;

/**
 * Broadcast frames written to each websocket client's socket directly. For every client of a broadcast engine.io
 * makes a packet object, queues it, flushes the queue through the transport with four events and a send callback
 * that marks the transport writable again on the next tick, and only then hands socket.io's pre-encoded frame to
 * `ws` to write. For a broadcast (a frame encoded once, no callback) to a client on an open websocket with nothing
 * queued, this writes the same frame with the same `ws` call (`Sender.sendFrame`, as engine.io's websocket transport
 * does) and skips the rest: half the server's user-space CPU per watcher per frame (bench/src/fanout.ts). Any
 * other write (a client on long-polling or mid-upgrade, packets already queued, bytes its TCP socket still holds, a
 * send callback, a volatile packet, a binary packet, compression) takes engine.io's path, so what a client receives
 * and its order are unchanged, and a slow client's packets still pile up in engine.io's queue, where `LagMonitor`
 * looks for them.
 */
export function writeBroadcastFramesDirectly(server: Server): void {
  let engineWrite: EngineWrite | undefined;
  function directWrite(this: EngineConnection, data: unknown, options?: WriteOptions, callback?: () => void): unknown {
    const frame = options?.wsPreEncodedFrame;
    const transport = this.transport;
    const ws = transport.socket;
    if (
      frame !== undefined &&
      callback === undefined &&
      // A volatile packet is dropped while the transport is busy (socket.io's rule): engine.io's path keeps it so.
      !options?.volatile &&
      this.readyState === 'open' &&
      !this.upgrading &&
      this.writeBuffer.length === 0 &&
      transport.name === 'websocket' &&
      !transport.perMessageDeflate &&
      ws?.readyState === WS_OPEN &&
      ws._socket?.writableLength === 0 &&
      typeof ws._sender?.sendFrame === 'function'
    ) {
      ws._sender.sendFrame(frame);
      return this;
    }
    return engineWrite!.call(this, data, options, callback);
  }
  server.engine.on('connection', (conn: EngineConnection) => {
    engineWrite ??= (Object.getPrototypeOf(conn) as EngineConnection).write;
    conn.write = directWrite;
  });
}
