import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '@arena/testkit';
import { Server } from 'socket.io';
import { Adapter } from 'socket.io-adapter';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { oneWriteFrames, sessionAwareOneWrite, writeBroadcastFramesDirectly } from './one-write-frames.js';

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

describe('broadcast frames written directly to websocket clients', () => {
  /**
   * A server as the arena runs one (frames in one buffer) and, to compare with, socket.io as it comes; with
   * `recovery`, connection-state recovery on, as the arena always has it.
   */
  async function start(direct: boolean, recovery = false): Promise<{ server: Server; url: string; created: string[] }> {
    const http = createServer();
    const server = new Server(http, recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {});
    if (direct) {
      server.adapter((recovery ? sessionAwareOneWrite : oneWriteFrames((nsp) => new Adapter(nsp))) as never);
      writeBroadcastFramesDirectly(server);
    }
    // engine.io's 'packetCreate': every packet that goes through its queue (the path a direct write skips).
    const created: string[] = [];
    server.engine.on('connection', (conn: { on(event: 'packetCreate', fn: (p: { data?: unknown }) => void): void }) =>
      conn.on('packetCreate', (packet) => created.push(String(packet.data))),
    );
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    return { server, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, created };
  }

  /** What a websocket client receives, message by message, as raw engine.io text. */
  async function rawClient(url: string): Promise<{ messages: string[]; ws: WebSocket }> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const messages: string[] = [];
    let connected = false;
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('0')) ws.send('40');
      else if (text.startsWith('40')) connected = true;
      else messages.push(text);
    });
    await until(() => connected, 'the connection');
    return { messages, ws };
  }

  it('hand a websocket client the bytes socket.io would, without engine.io’s packet queue', async () => {
    const direct = await start(true);
    const stock = await start(false);
    const a = await rawClient(direct.url);
    const b = await rawClient(stock.url);
    const texts = ['short', 'x'.repeat(300), 'é'.repeat(40_000)];
    for (const { server } of [direct, stock]) for (const text of texts) server.emit('text', text, { n: 1 });
    await until(() => a.messages.length === 3 && b.messages.length === 3, 'the frames');
    expect(a.messages).toEqual(b.messages);
    expect(a.messages[0]).toBe('42["text","short",{"n":1}]');
    // socket.io's own server queued every frame in engine.io; this one none of them.
    expect(stock.created.filter((data) => data.startsWith('2["text"'))).toHaveLength(3);
    expect(direct.created.filter((data) => data.startsWith('2["text"'))).toHaveLength(0);
    a.ws.close();
    b.ws.close();
    await direct.server.close();
    await stock.server.close();
  });

  it('never overtake packets queued for a client before the broadcast', async () => {
    const { server, url, created } = await start(true);
    const client = io(url, { transports: ['websocket'], forceNew: true });
    const got: number[] = [];
    client.on('n', (n: number) => got.push(n));
    await until(() => client.connected, 'the connection');
    const socket = [...server.sockets.sockets.values()][0]!;
    // The first write leaves the transport busy until its callback, so the second waits in engine.io's queue.
    socket.emit('n', 1);
    socket.emit('n', 2);
    server.emit('n', 3);
    server.emit('n', 4);
    await until(() => got.length === 4, 'the frames');
    expect(got).toEqual([1, 2, 3, 4]);
    // Both broadcasts went through the queue behind the second packet, not around it.
    expect(created.filter((data) => data.startsWith('2["n"'))).toHaveLength(4);
    client.disconnect();
    await server.close();
  });

  it('never overtake the packets replayed to a client that recovered its session', async () => {
    const { server, url } = await start(true, true);
    let next = 1;
    // As the arena greets a client that is back: a broadcast in the same tick as its replay is queued.
    server.on('connection', (socket) => {
      if (socket.recovered) server.emit('n', next++);
    });
    const client = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 50 });
    const got: number[] = [];
    client.on('n', (n: number) => got.push(n));
    await until(() => client.connected, 'the connection');
    server.emit('n', next++);
    await until(() => got.length === 1, 'the first frame');
    // The connection drops; what is broadcast meanwhile is replayed when the client is back.
    client.io.engine.close();
    await until(() => server.sockets.sockets.size === 0, 'the server to see the client gone');
    for (let i = 0; i < 5; i++) server.emit('n', next++);
    await until(() => client.connected && got.length === 7, 'the replay and the greeting');
    expect(client.recovered).toBe(true);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
    client.disconnect();
    await server.close();
  });

  it('drop volatile broadcasts a busy client would queue, as socket.io does', async () => {
    const counts: number[] = [];
    for (const direct of [false, true]) {
      const { server, url } = await start(direct);
      const client = io(url, { transports: ['websocket'], forceNew: true });
      let got = 0;
      client.on('v', () => (got += 1));
      client.on('end', () => undefined);
      await until(() => client.connected, 'the connection');
      // The first leaves the transport busy until its write's callback; socket.io drops the rest meanwhile.
      for (let i = 0; i < 10; i++) server.volatile.emit('v', i);
      server.emit('end');
      await new Promise<void>((resolve) => client.once('end', () => resolve()));
      counts.push(got);
      client.disconnect();
      await server.close();
    }
    expect(counts[0]).toBeLessThan(10);
    expect(counts[1]).toBe(counts[0]);
  });

  it('leave a client that stopped reading to engine.io’s queue, where the lag monitor counts its packets', async () => {
    const { server, url } = await start(true);
    const { ws } = await rawClient(url);
    // The client stops reading: the kernel's buffers fill, then bytes stay in the server's socket.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const conn = [...server.sockets.sockets.values()][0]!.conn as unknown as {
      writeBuffer: unknown[];
      transport: { socket: { _socket: { writableLength: number } } };
    };
    const payload = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && conn.writeBuffer.length === 0; i++) {
      server.emit('big', payload);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(conn.writeBuffer.length).toBeGreaterThan(0);
    // What the server's socket holds stays at a frame or two: the rest waits, counted, in engine.io's queue.
    expect(conn.transport.socket._socket.writableLength).toBeLessThan(4 * payload.length);
    ws.terminate();
    await server.close();
  });

  it('leave clients on long-polling, and broadcasts with binary attachments, to engine.io', async () => {
    const { server, url, created } = await start(true);
    const polling = io(url, { transports: ['polling'], forceNew: true });
    const websocket = io(url, { transports: ['websocket'], forceNew: true });
    const texts: string[] = [];
    const bytes: number[][] = [];
    polling.on('text', (text: string) => texts.push(text));
    websocket.on('bytes', (data: Buffer) => bytes.push([...data]));
    await until(() => polling.connected && websocket.connected, 'the connections');
    server.emit('text', 'hello');
    server.emit('bytes', Buffer.from([1, 2, 3]));
    await until(() => texts.length === 1 && bytes.length === 1, 'the frames');
    expect(texts).toEqual(['hello']);
    expect(bytes).toEqual([[1, 2, 3]]);
    expect(created.filter((data) => data.startsWith('2["text"'))).toHaveLength(1);
    polling.disconnect();
    websocket.disconnect();
    await server.close();
  });
});
