import { SessionAwareAdapter, type Adapter } from 'socket.io-adapter';
import type { Namespace } from 'socket.io';

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
