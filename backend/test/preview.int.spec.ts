import { ARENA_NAMESPACE, PROTOCOL_VERSION } from '@arena/contracts';
import { io } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionEntity } from '../src/battles/entities/index.js';
import {
  connectClient,
  startTestArena,
  statusIs,
  waitForFrame,
  type RecordedFrame,
  type TestArena,
  type TestSocket,
} from './support/test-arena.js';

describe('web previews in a battle', () => {
  let arena: TestArena;
  beforeAll(async () => {
    arena = await startTestArena({
      database: 'embedded',
      models: [
        { id: 'demo-ember', name: 'Ember', provider: 'demo', style: 'react', tokensPerSecond: 5_000 },
        { id: 'demo-breeze', name: 'Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 5_000 },
      ],
      env: { ARENA_RUN_OUTPUT_BYTES: '2048' },
    });
  });
  afterAll(() => arena.stop());

  it("ends a web run with a preview, and takes the preview's console only from the battle's creator", async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'A counter button' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(creator, statusIs(battleId, 'voting'));
    const end = creator.frames.find(
      (f) => f.event === 'run:end' && (f.payload as { preview?: unknown }).preview !== undefined,
    )!;
    const { runId, side, status, preview } = end.payload as {
      runId: string;
      side: 'a' | 'b';
      status: string;
      preview: { kind: string; html: string };
    };
    expect(status).toBe('ok');
    expect(preview.kind).toBe('html');
    expect(preview.html).toContain("connect-src 'none'");
    const stored = await arena.app.get(DataSource).getRepository(ExecutionEntity).findOneByOrFail({ id: runId });
    expect(stored.preview).toBe(preview.html);

    const spectator = await connectClient(arena.url);
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    if (!watched.ok) throw new Error(watched.error.message);
    const run = watched.snapshot.turns[0]!.sides[side].runs.find((r) => r.runId === runId)!;
    expect(run.preview).toEqual({ kind: 'html', html: preview.html });

    const entries = [{ level: 'log' as const, text: 'from a spectator' }];
    expect(await spectator.socket.emitWithAck('preview:log', { battleId, runId, entries })).toEqual({
      ok: true,
      accepted: false,
    });
    const taken = await creator.socket.emitWithAck('preview:log', {
      battleId,
      runId,
      entries: [
        { level: 'log', text: 'mounted' },
        { level: 'uncaught', text: 'TypeError: x is undefined' },
      ],
    });
    expect(taken).toEqual({ ok: true, accepted: true });
    const isRun = (f: RecordedFrame) => f.event === 'run:output' && (f.payload as { runId: string }).runId === runId;
    await waitForFrame(spectator, (f) => isRun(f) && (f.payload as { data: string }).data.includes('Uncaught'));
    const seen = spectator.frames.filter(isRun).map((f) => f.payload as { stream: string; data: string });
    expect(seen.find((f) => f.stream === 'stdout')?.data).toBe('mounted\n');
    expect(seen.find((f) => f.stream === 'stderr')?.data).toBe('Uncaught TypeError: x is undefined\n');
    expect(seen.some((f) => f.data.includes('spectator'))).toBe(false);

    // The run's output cap holds for the console too.
    const flood = await creator.socket.emitWithAck('preview:log', {
      battleId,
      runId,
      entries: Array.from({ length: 100 }, (_, i) => ({ level: 'log' as const, text: `line ${i} ${'x'.repeat(60)}` })),
    });
    expect(flood).toEqual({ ok: true, accepted: true });
    const after = await arena.app.get(DataSource).getRepository(ExecutionEntity).findOneByOrFail({ id: runId });
    expect(after.stdout.startsWith('[preview]')).toBe(true);
    expect(Buffer.byteLength(after.stdout) + Buffer.byteLength(after.stderr)).toBeLessThan(2048 + 400);
    expect(after.stderr).toContain('console output limit reached');

    const bad = await creator.socket.emitWithAck('preview:log', { battleId, runId, entries: [] });
    expect(bad.ok ? 'ok' : bad.error.code).toBe('invalid_input');

    // The page is served by the arena with its policy in the response's headers: no connection, nothing
    // loaded from elsewhere, an opaque origin whatever frames it.
    const page = await fetch(`${arena.url}/api/runs/${runId}/preview`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(preview.html);
    const policy = page.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "connect-src 'none'",
      "default-src 'none'",
      'img-src data: blob:',
      'sandbox allow-scripts',
    ])
      expect(policy).toContain(directive);
    expect(policy).not.toMatch(/(img|font|style)-src[^;]*\bhttps?:/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${arena.url}/api/runs/00000000-0000-4000-8000-000000000000/preview`)).status).toBe(404);
    expect((await fetch(`${arena.url}/api/runs/not-a-run/preview`)).status).toBe(400);
    creator.socket.disconnect();
    spectator.socket.disconnect();
  });

  it('refuses the API and sockets to sandboxed pages (Origin: null)', async () => {
    const models = await fetch(`${arena.url}/api/models`, { headers: { origin: 'null' } });
    expect(models.status).toBe(403);
    expect(((await models.json()) as { error: { code: string } }).error.code).toBe('not_allowed');
    expect((await fetch(`${arena.url}/api/models`, { headers: { origin: 'https://arena.example' } })).status).toBe(200);
    // The vendor bundles a preview loads stay open to it (Chromium sends Origin: null for them).
    expect((await fetch(`${arena.url}/api/sandbox/assets/react.js`, { headers: { origin: 'null' } })).status).toBe(200);
    const socket: TestSocket = io(`${arena.url}${ARENA_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { protocol: PROTOCOL_VERSION },
      extraHeaders: { origin: 'null' },
      forceNew: true,
      reconnection: false,
    });
    const refused = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (err) => resolve(`refused: ${err.message}`));
    });
    socket.disconnect();
    expect(refused).toMatch(/^refused/);
  });
});
