import type { BattleSnapshot, RunEnd, RunOutput } from '@arena/contracts';
import { metricValue } from '@arena/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import { connectClient, startTestArena, waitForFrame, type TestArena } from './support/test-arena.js';

// An answer whose program floods its output: 200,000 lines, every line its own frame (no coalescing).
const LINES = 200_000;
const FLOOD = `Here it is.\n\n\`\`\`javascript\nfor (let i = 0; i < ${LINES}; i++) console.log('line ' + i + ' ' + 'x'.repeat(40));\n\`\`\`\n`;

/**
 * A raw engine.io websocket client that can stop reading: socket.io's client cannot, and only a client that
 * does not read makes the server's queue for it grow.
 */
class StallingClient {
  readonly ws: WebSocket;
  readonly events: [string, unknown][] = [];
  private acks = new Map<number, (value: unknown) => void>();
  private nextAck = 1;
  private readonly ready: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    let connected: () => void;
    this.ready = new Promise((resolve) => (connected = resolve));
    this.ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('0')) this.ws.send('40/arena,{"protocol":1}');
      else if (text === '2') this.ws.send('3');
      else if (text.startsWith('40/arena,')) connected();
      else if (text.startsWith('43/arena,')) {
        const match = /^43\/arena,(\d+)(.*)$/s.exec(text)!;
        this.acks.get(Number(match[1]))?.((JSON.parse(match[2]!) as unknown[])[0]);
      } else if (text.startsWith('42/arena,')) {
        const [event, payload] = JSON.parse(text.slice('42/arena,'.length)) as [string, unknown];
        this.events.push([event, payload]);
      }
    });
  }

  async emit(event: string, payload: unknown): Promise<unknown> {
    await this.ready;
    const id = this.nextAck++;
    const answer = new Promise((resolve) => this.acks.set(id, resolve));
    this.ws.send(`42/arena,${id}${JSON.stringify([event, payload])}`);
    return answer;
  }

  /** Stop reading from the connection: the kernel's buffers fill, then the server's queue. */
  stall(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }
}

describe('backpressure', () => {
  let fake: FakeLlm;
  let arena: TestArena;

  beforeAll(async () => {
    fake = await startFakeLlm({ flood: { kind: 'stream', text: FLOOD, chunkSize: 64 } });
    arena = await startTestArena({
      database: 'postgres',
      models: [
        { id: 'flood-a', name: 'Flood A', provider: 'openai', model: 'flood', baseUrl: fake.openaiUrl },
        { id: 'flood-b', name: 'Flood B', provider: 'openai', model: 'flood', baseUrl: fake.openaiUrl },
      ],
      env: {
        ARENA_DELTA_INTERVAL_MS: '0',
        ARENA_RUN_OUTPUT_BYTES: String(64 * 1024 * 1024),
        ARENA_RUN_WALL_MS: '60000',
        ARENA_RUN_CPU_MS: '30000',
        DOCKER_HOSTS: 'none',
        ARENA_PYODIDE: 'off',
      },
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('pauses a stalled watcher instead of queueing without bound, then resyncs it; others get every frame', async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'flood the output' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;

    const stalled = new StallingClient(arena.url);
    const watched = (await stalled.emit('battle:watch', { battleId })) as { ok: boolean };
    expect(watched.ok).toBe(true);
    stalled.stall();

    // Both runs flood; a normal spectator (the creator) keeps up and receives every frame in order.
    const ends = [0, 1].map((i) =>
      waitForFrame(
        creator,
        (f) => f.event === 'run:end' && creator.frames.filter((x) => x.event === 'run:end').length > i,
        120_000,
      ),
    );
    await Promise.all(ends);
    const outputs = creator.frames.filter((f) => f.event === 'run:output').map((f) => f.payload as RunOutput);
    for (const runId of new Set(outputs.map((o) => o.runId))) {
      const seqs = outputs.filter((o) => o.runId === runId).map((o) => o.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect(outputs.filter((o) => o.runId === runId).reduce((n, o) => n + o.data.length, 0)).toBeGreaterThan(
        LINES * 40,
      );
    }
    const runEnds = creator.frames.filter((f) => f.event === 'run:end').map((f) => f.payload as RunEnd);
    expect(runEnds.map((r) => r.status)).toEqual(['ok', 'ok']);

    // The stalled watcher was taken out of the battle's room rather than queued for.
    const metrics = await (await fetch(`${arena.url}/metrics`)).text();
    expect(metricValue(metrics, 'arena_socket_lagging_total')).toBeGreaterThanOrEqual(1);

    // Once it reads again and has caught up, it gets a whole snapshot: nothing is missing in the end.
    stalled.resume();
    const deadline = Date.now() + 60_000;
    let state: BattleSnapshot | undefined;
    while (!state && Date.now() < deadline) {
      state = stalled.events.find(([event]) => event === 'battle:state')?.[1] as BattleSnapshot | undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state?.battleId).toBe(battleId);
    const server = (await (await fetch(`${arena.url}/api/battles/${battleId}`)).json()) as BattleSnapshot;
    for (const side of ['a', 'b'] as const) {
      expect(state!.turns[0]!.sides[side].runs[0]!.output).toBe(server.turns[0]!.sides[side].runs[0]!.output);
    }
    // Far fewer frames reached it than were sent: the rest was replaced by the snapshot.
    const received = stalled.events.filter(([event]) => event === 'run:output').length;
    expect(received).toBeLessThan(outputs.length);
    stalled.ws.close();
    creator.socket.disconnect();
  });
});
