import { runScreenshotPath, type BattleSnapshot, type RunScreenshot } from '@arena/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWithPillow } from './support/read-image.js';
import { connectClient, startTestArena, statusIs, waitForFrame, type TestArena } from './support/test-arena.js';

/** A picture that is there: not one colour (BigCodeReward's blank renders are what this guards against). */
const NOT_BLANK = 3;

describe('screenshots of what runs render', () => {
  let arena: TestArena;
  beforeAll(async () => {
    arena = await startTestArena({
      database: 'embedded',
      models: [
        { id: 'demo-ember', name: 'Ember', provider: 'demo', style: 'react', tokensPerSecond: 5_000 },
        { id: 'demo-breeze', name: 'Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 5_000 },
      ],
    });
  });
  afterAll(() => arena.stop());

  it("takes a React preview's picture on the server, serves it and names it in snapshots", async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'A counter button' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(creator, statusIs(battleId, 'voting'));
    const ends = creator.frames.filter((f) => f.event === 'run:end').map((f) => f.payload as Record<string, unknown>);
    const previewed = ends.find((e) => e['preview'] !== undefined)!;
    const plain = ends.find((e) => e['preview'] === undefined)!;
    const runId = previewed['runId'] as string;

    const frame = await waitForFrame(
      creator,
      (f) => f.event === 'run:screenshot' && (f.payload as RunScreenshot).runId === runId,
      60_000,
    );
    const url = runScreenshotPath(battleId, runId);
    expect(frame.payload).toEqual({ battleId, runId, side: previewed['side'], url });

    const response = await fetch(`${arena.url}${url}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = Buffer.from(await response.arrayBuffer());
    const [picture] = await readWithPillow([jpeg]);
    expect(picture!.format).toBe('JPEG');
    expect(picture!.width).toBeLessThanOrEqual(1024);
    expect(picture!.height).toBeLessThanOrEqual(768);
    expect(picture!.stddev).toBeGreaterThan(NOT_BLANK);

    // A spectator's snapshot (the live battle) and the stored battle both name it.
    const spectator = await connectClient(arena.url);
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    if (!watched.ok) throw new Error(watched.error.message);
    const runs = (s: BattleSnapshot) => s.turns.flatMap((t) => [...t.sides.a.runs, ...t.sides.b.runs]);
    expect(runs(watched.snapshot).find((r) => r.runId === runId)?.screenshot).toBe(url);
    expect(runs(watched.snapshot).find((r) => r.runId === plain['runId'])?.screenshot).toBeUndefined();

    // A run that rendered nothing has no picture; nor has a run asked for under another battle.
    const none = await fetch(`${arena.url}${runScreenshotPath(battleId, plain['runId'] as string)}`);
    expect(none.status).toBe(404);
    const elsewhere = await fetch(`${arena.url}${runScreenshotPath('00000000-0000-4000-8000-000000000000', runId)}`);
    expect(elsewhere.status).toBe(404);
    expect((await fetch(`${arena.url}/api/battles/${battleId}/runs/not-a-run/screenshot`)).status).toBe(400);

    // Once voted, the bigcodereward row carries the picture of the side that rendered one, base64, which Pillow
    // decodes to the same JPEG; the side that rendered nothing has null.
    const vote = await creator.socket.emitWithAck('battle:vote', { battleId, winner: 'tie' });
    if (!vote.ok) throw new Error(vote.error.message);
    const exported = (await (await fetch(`${arena.url}/api/datasets/bigcodereward.jsonl`)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((row) => row['chat_session_id'] === battleId)!;
    const upper = (side: unknown) => (side === 'a' ? 'A' : 'B');
    const pictured = exported[`screenshot_${upper(previewed['side'])}`];
    expect(typeof pictured).toBe('string');
    expect(exported[`screenshot_${upper(plain['side'])}`]).toBeNull();
    const [decoded] = await readWithPillow([pictured as string], 'base64');
    expect(decoded).toEqual(picture);
    creator.socket.disconnect();
    spectator.socket.disconnect();
  });
});
