import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '@arena/testkit';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionAwareOneWrite } from './one-write-frames.js';

describe('broadcast frames written as one buffer', () => {
  const http = createServer();
  const server = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
  server.adapter(sessionAwareOneWrite as never);
  const frames: Buffer[][] = [];
  let url = '';

  beforeAll(async () => {
    // What each broadcast hands the websocket clients to write.
    const adapter = server.of('/').adapter as unknown as {
      _encode(packet: unknown, opts: { wsPreEncodedFrame?: Buffer[] }): unknown;
    };
    const encode = adapter._encode.bind(adapter);
    adapter._encode = (packet, opts) => {
      const encoded = encode(packet, opts);
      if (opts.wsPreEncodedFrame) frames.push(opts.wsPreEncodedFrame);
      return encoded;
    };
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('reach websocket clients whole, at every length a frame header has a form for', async () => {
    const client = io(url, { transports: ['websocket'], forceNew: true });
    const got: string[] = [];
    client.on('text', (text: string) => got.push(text));
    await until(() => client.connected, 'the connection');
    // Payloads under 126 bytes, up to 65,535 (a 16-bit length) and beyond (a 64-bit length).
    const texts = ['short', 'x'.repeat(300), 'é'.repeat(40_000)];
    for (const text of texts) server.emit('text', text);
    await until(() => got.length === texts.length, 'the frames');
    expect(got).toEqual(texts);
    expect(frames.length).toBeGreaterThanOrEqual(texts.length);
    for (const frame of frames) expect(frame).toHaveLength(1);
    client.disconnect();
  });
});
