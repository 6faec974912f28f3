import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runScreenshotPath, type BattleSnapshot, type RunScreenshot } from '@arena/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { JudgeService } from '../src/judges/judge.service.js';
import { RunScreenshotsService } from '../src/screenshots/run-screenshots.service.js';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
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

    // Stored as not blank (what the execution judge counts as output where a run printed nothing), as Pillow says.
    const [stored] = await arena.app
      .get(DataSource)
      .query<{ blank: boolean }[]>('SELECT blank FROM run_screenshots WHERE run_id = $1', [runId]);
    expect(stored!.blank).toBe(false);
    // An empty page is blank.
    const empty = await arena.app
      .get(RunScreenshotsService)
      .shoot({ kind: 'html', html: '<!doctype html><html><body style="background:#fff"></body></html>' });
    expect(empty.blank).toBe(true);
    expect((await readWithPillow([empty.jpeg]))[0]!.stddev).toBeLessThan(NOT_BLANK);

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

describe('a vision judge', () => {
  let arena: TestArena;
  let fake: FakeLlm;
  beforeAll(async () => {
    // Two models whose pages differ (so the order of the pictures can be told), and the judge.
    const page = (colour: string) =>
      `Here it is:\n\n\`\`\`html\n<!doctype html><html><body style="margin:0;background:${colour}">` +
      `<h1 style="color:white;font:40px sans-serif;padding:40px">${colour} page</h1></body></html>\n\`\`\`\n`;
    fake = await startFakeLlm({
      'page-red': { kind: 'stream', text: page('darkred') },
      'page-blue': { kind: 'stream', text: page('navy') },
      'vision-model': { kind: 'stream', text: '{"reasoning": "A draws what was asked.", "winner": "A"}' },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-vision-'));
    const judgesFile = path.join(dir, 'judges.yaml');
    await writeFile(
      judgesFile,
      `- id: looker\n  provider: openai\n  model: vision-model\n  baseUrl: ${fake.openaiUrl}\n  vision: true\n`,
    );
    arena = await startTestArena({
      database: 'embedded',
      models: [
        { id: 'red', name: 'Red', provider: 'openai', model: 'page-red', baseUrl: fake.openaiUrl },
        { id: 'blue', name: 'Blue', provider: 'openai', model: 'page-blue', baseUrl: fake.openaiUrl },
      ],
      env: { ARENA_JUDGES_FILE: judgesFile },
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it("gets both sides' screenshots with execution, in both orders, as image_url data URLs", async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'A coloured web page' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(creator, statusIs(battleId, 'voting'));
    await arena.app.get(JudgeService).idle();

    // Each side's picture as the arena serves it.
    const ends = creator.frames.filter((f) => f.event === 'run:end').map((f) => f.payload as RunScreenshot);
    const picture: Record<string, string> = {};
    for (const end of ends) {
      const response = await fetch(`${arena.url}${runScreenshotPath(battleId, end.runId)}`);
      expect(response.status).toBe(200);
      picture[end.side] = `data:image/jpeg;base64,${Buffer.from(await response.arrayBuffer()).toString('base64')}`;
    }
    expect(Object.keys(picture).sort()).toEqual(['a', 'b']);
    expect(picture['a']).not.toBe(picture['b']);

    const requests = fake.requests.filter((r) => r.model === 'vision-model');
    expect(requests).toHaveLength(4);
    const images = (messages: unknown): string[] =>
      (messages as { content: unknown }[]).flatMap((m) =>
        Array.isArray(m.content)
          ? (m.content as { type: string; image_url?: { url: string } }[])
              .filter((p) => p.type === 'image_url')
              .map((p) => p.image_url!.url)
          : [],
      );
    const seen = requests.map((r) => images(r.messages)).filter((list) => list.length > 0);
    // With execution, both orders: A's picture first when A is shown first, B's first when the sides are swapped.
    expect(seen).toHaveLength(2);
    expect(seen).toContainEqual([picture['a'], picture['b']]);
    expect(seen).toContainEqual([picture['b'], picture['a']]);
    creator.socket.disconnect();
  });
});
