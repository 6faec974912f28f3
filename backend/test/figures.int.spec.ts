import {
  runScreenshotPath,
  type BattleSnapshot,
  type RunEnd,
  type RunFigure,
  type RunScreenshot,
  type RunStart,
} from '@arena/contracts';
import { FIGURE_CAPS } from '@arena/sandboxes';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arenaHardAnswer } from '@arena/testkit';
import { BattlesRepository } from '../src/battles/battles.repository.js';
import { storedSnapshot } from '../src/battles/stored-snapshot.js';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import { readWithPillow } from './support/read-image.js';
import {
  connectClient,
  sharedData,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

/**
 * Matplotlib figures in a battle (issue 17 item 2): a real recorded answer that plots (Arena-Hard 9c6e43a6…,
 * gpt-4-0613: a bar chart shown with `plt.show()`, its program unchanged) runs in a real container; its figure
 * streams as `run:figure` between the output printed before and after it, is served as a PNG, and the last
 * figure becomes the run's screenshot (JPEG ≤1024×768, not blank, as Pillow reads it). The other side draws
 * 1,000 figures: it is capped and ends normally.
 */
const data = sharedData('Matplotlib figures from a recorded answer', ['arena-hard-v0.1']);
const NOT_BLANK = 3;

const FLOOD = [
  'Here is the program:',
  '',
  '```python',
  'import matplotlib.pyplot as plt',
  'print("start")',
  'for i in range(1000):',
  '    plt.figure(figsize=(1, 1))',
  '    plt.show()',
  'print("end")',
  '```',
  '',
].join('\n');

describe.skipIf(data.missing)('Matplotlib figures in a run', () => {
  let arena: TestArena;
  let fake: FakeLlm;
  beforeAll(async () => {
    fake = await startFakeLlm({
      plotter: { kind: 'stream', text: arenaHardAnswer(data, 'gpt-4-0613', '9c6e43a68efe487290644ead9aa032fb') },
      flood: { kind: 'stream', text: FLOOD },
    });
    arena = await startTestArena({
      database: 'postgres',
      models: [
        { id: 'plotter', name: 'Plotter', provider: 'openai', model: 'plotter', baseUrl: fake.openaiUrl },
        { id: 'flood', name: 'Flood', provider: 'openai', model: 'flood', baseUrl: fake.openaiUrl },
      ],
      // Matplotlib's first import and 1,000 figures on a loaded machine: room enough, never a timing asserted.
      env: { ARENA_RUN_CPU_MS: '30000', ARENA_RUN_WALL_MS: '90000', ARENA_RUN_MEMORY_MB: '512' },
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('streams the figures of a recorded answer, keeps them, and makes the last one the screenshot', async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'A bar chart of fruit counts' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(creator, statusIs(battleId, 'voting'), 170_000);

    const starts = creator.frames.filter((f) => f.event === 'run:start').map((f) => f.payload as RunStart);
    expect(starts.map((s) => s.environment).sort()).toEqual(['python', 'python']);
    const ends = creator.frames.filter((f) => f.event === 'run:end').map((f) => f.payload as RunEnd);
    const figuresOf = (runId: string) =>
      creator.frames
        .filter((f) => f.event === 'run:figure' && (f.payload as RunFigure).runId === runId)
        .map((f) => f.payload as RunFigure);
    // Which side drew the chart and which the flood: the flood is the one with 1,000 tries.
    const [plot, flood] = [...starts].sort((x, y) => figuresOf(x.runId).length - figuresOf(y.runId).length);

    // The recorded answer: one figure, a PNG the arena serves, where the output says.
    const chart = figuresOf(plot!.runId);
    expect(chart).toHaveLength(1);
    expect(ends.find((e) => e.runId === plot!.runId)?.status).toBe('ok');
    const figure = chart[0]!;
    expect(figure).toMatchObject({ battleId, runId: plot!.runId, index: 0, at: 0, width: 640, height: 480 });
    const png = await fetch(`${arena.url}${figure.url}`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const [drawn] = await readWithPillow([Buffer.from(await png.arrayBuffer())]);
    expect(drawn).toMatchObject({ format: 'PNG', width: 640, height: 480 });
    expect(drawn!.stddev).toBeGreaterThan(NOT_BLANK);

    // Its screenshot is that figure, as a JPEG within 1024×768, not blank.
    const shot = await waitForFrame(
      creator,
      (f) => f.event === 'run:screenshot' && (f.payload as RunScreenshot).runId === plot!.runId,
      60_000,
    );
    expect((shot.payload as RunScreenshot).url).toBe(runScreenshotPath(battleId, plot!.runId));
    // The run ended without waiting for its picture: run:end came first.
    const endAt = creator.frames.findIndex((f) => f.event === 'run:end' && (f.payload as RunEnd).runId === plot!.runId);
    expect(endAt).toBeGreaterThanOrEqual(0);
    const shotAt = creator.frames.findIndex(
      (f) => f.event === 'run:screenshot' && (f.payload as RunScreenshot).runId === plot!.runId,
    );
    expect(endAt).toBeLessThan(shotAt);
    const jpeg = await fetch(`${arena.url}${runScreenshotPath(battleId, plot!.runId)}`);
    expect(jpeg.status).toBe(200);
    const [picture] = await readWithPillow([Buffer.from(await jpeg.arrayBuffer())]);
    expect(picture!.format).toBe('JPEG');
    expect(picture!.width).toBeLessThanOrEqual(1024);
    expect(picture!.height).toBeLessThanOrEqual(768);
    expect(picture!.stddev).toBeGreaterThan(NOT_BLANK);

    // The flood: capped, each figure after the output before it, and the run ended normally with its last line.
    const many = figuresOf(flood!.runId);
    expect(many.map((f) => f.index)).toEqual([...Array(FIGURE_CAPS.count).keys()]);
    expect(many.every((f) => f.at === 'start\n'.length)).toBe(true);
    expect(ends.find((e) => e.runId === flood!.runId)?.status).toBe('ok');

    // A spectator's snapshot lists the figures, with their places in the output; the database keeps them.
    const runs = (s: BattleSnapshot) => s.turns.flatMap((t) => [...t.sides.a.runs, ...t.sides.b.runs]);
    const spectator = await connectClient(arena.url);
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    if (!watched.ok) throw new Error(watched.error.message);
    const live = runs(watched.snapshot).find((r) => r.runId === flood!.runId)!;
    expect(live.output).toBe(`start\n[arena] only the first ${FIGURE_CAPS.count} figures are shown\nend\n`);
    expect(live.figures).toHaveLength(FIGURE_CAPS.count);
    expect(runs(watched.snapshot).find((r) => r.runId === plot!.runId)?.figures).toEqual([
      { index: 0, url: figure.url, width: 640, height: 480, at: 0 },
    ]);
    // The stored battle (as history reads it once no process holds it) lists them the same way.
    const repository = new BattlesRepository(arena.app.get(DataSource).manager);
    const stored = await storedSnapshot((await repository.findById(battleId))!, repository, () =>
      Promise.reject(new Error('not revealed')),
    );
    expect(runs(stored).find((r) => r.runId === plot!.runId)?.figures).toEqual([
      { index: 0, url: figure.url, width: 640, height: 480, at: 0 },
    ]);
    expect(runs(stored).find((r) => r.runId === flood!.runId)?.figures).toEqual(live.figures);
    const rows = await arena.app
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM run_figures WHERE run_id = $1', [flood!.runId]);
    expect(rows).toEqual([{ n: FIGURE_CAPS.count }]);

    // Another battle's id, an index never drawn, a bad index: 404, 404, 400.
    expect(
      (await fetch(`${arena.url}${figure.url.replace(battleId, '00000000-0000-4000-8000-000000000000')}`)).status,
    ).toBe(404);
    expect((await fetch(`${arena.url}/api/battles/${battleId}/runs/${plot!.runId}/figures/7`)).status).toBe(404);
    expect((await fetch(`${arena.url}/api/battles/${battleId}/runs/${plot!.runId}/figures/x`)).status).toBe(400);
    creator.socket.disconnect();
    spectator.socket.disconnect();
  });
});
