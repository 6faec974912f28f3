import { freePort, startArenaProcess, type Proc } from '@arena/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * What a connected client costs the built server's heap, read after full garbage collections through the
 * server's own inspector (a heap size, not a timing). Nest's socket.io binding built an rxjs pipeline per
 * message per connection: about 100 KB of heap per client before the arena bound its handlers itself
 * (`ArenaIoAdapter.bindMessageHandlers`), about 20 KB after; a plain socket.io connection costs about 15 KB.
 */
const CLIENTS = 400;
const MODELS = [
  { id: 'demo-atlas', name: 'Demo Atlas', provider: 'demo', style: 'typescript' },
  { id: 'demo-breeze', name: 'Demo Breeze', provider: 'demo', style: 'javascript' },
];

interface Inspector {
  call(method: string, params?: Record<string, unknown>): Promise<{ result?: { result?: { value?: unknown } } }>;
  close(): void;
}

async function inspector(port: number): Promise<Inspector> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const [target] = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
        webSocketDebuggerUrl: string;
      }[];
      const ws = new WebSocket(target!.webSocketDebuggerUrl);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const pending = new Map<number, (m: unknown) => void>();
      let next = 0;
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number };
        if (message.id !== undefined) pending.get(message.id)?.(message);
      });
      return {
        call: (method, params = {}) =>
          new Promise((resolve) => {
            const id = ++next;
            pending.set(id, resolve as (m: unknown) => void);
            ws.send(JSON.stringify({ id, method, params }));
          }),
        close: () => ws.close(),
      };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function heapUsed(inspect: Inspector): Promise<number> {
  await inspect.call('HeapProfiler.collectGarbage');
  await inspect.call('HeapProfiler.collectGarbage');
  const answer = await inspect.call('Runtime.evaluate', {
    expression: 'process.memoryUsage().heapUsed',
    returnByValue: true,
  });
  return answer.result!.result!.value as number;
}

/** A socket.io client on `/arena` spoken by hand (engine.io v4 framing), so the test's own heap stays small. */
class RawClient {
  private readonly ws: WebSocket;
  private readonly acks = new Map<number, (body: string) => void>();
  private nextAck = 1;
  readonly ready: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    this.ready = new Promise((resolve, reject) => {
      this.ws.on('error', reject);
      this.ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text === '2') this.ws.send('3');
        else if (text.startsWith('0')) this.ws.send('40/arena,{"protocol":1}');
        else if (text.startsWith('40/arena,')) resolve();
        else if (text.startsWith('43/arena,')) {
          const rest = text.slice('43/arena,'.length);
          const id = Number.parseInt(rest, 10);
          this.acks.get(id)?.(rest.slice(String(id).length));
          this.acks.delete(id);
        }
      });
    });
  }

  emit(event: string, payload: unknown): Promise<string> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.ws.send(`42/arena,${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.ws.close();
  }
}

describe('memory per connected client', () => {
  let arena: Proc;
  let inspect: Inspector;
  beforeAll(async () => {
    const port = await freePort();
    arena = await startArenaProcess(MODELS, {
      DOCKER_HOSTS: 'none',
      ARENA_PYODIDE: 'off',
      NODE_OPTIONS: `--inspect=127.0.0.1:${port}`,
    });
    inspect = await inspector(port);
  });
  afterAll(async () => {
    inspect?.close();
    await arena?.stop();
  });

  it(`stays near a plain socket.io connection's with ${CLIENTS} clients, and every client is still answered`, async () => {
    const before = await heapUsed(inspect);
    const clients: RawClient[] = [];
    while (clients.length < CLIENTS) {
      const batch = Array.from({ length: 100 }, () => new RawClient(arena.url));
      await Promise.all(batch.map((c) => c.ready));
      clients.push(...batch);
    }
    const after = await heapUsed(inspect);
    const perClient = (after - before) / CLIENTS;
    // Every handler still answers through its acknowledgement, typed errors included.
    const answers = await Promise.all(clients.map((c) => c.emit('battle:watch', { battleId: 'nope' })));
    for (const answer of answers) expect(answer).toContain('"ok":false');
    for (const c of clients) c.close();
    expect(perClient).toBeGreaterThan(1_000);
    expect(perClient).toBeLessThan(40 * 1024);
  });
});
