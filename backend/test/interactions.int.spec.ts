import type { InteractionEvent } from '@arena/contracts';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startTestArena, statusIs, waitForFrame, type TestArena } from './support/test-arena.js';

/**
 * The preview page's own bridge reports what a person does in it; here Chromium loads the page as the arena
 * serves it, a real click and key press happen in it, and the batches the bridge posts are sent on as the
 * creator's browser sends them (`preview:interaction`).
 */
describe('interaction records of a rendered run', () => {
  let arena: TestArena;
  let browser: Browser;
  beforeAll(async () => {
    arena = await startTestArena({
      database: 'embedded',
      models: [
        { id: 'demo-ember', name: 'Ember', provider: 'demo', style: 'react', tokensPerSecond: 5_000 },
        { id: 'demo-breeze', name: 'Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 5_000 },
      ],
      env: { ARENA_CHROMIUM: 'off' },
    });
    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await arena?.stop();
  });

  it('stores the creator’s clicks and keys, shows them to nobody, and exports them with the vote', async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'A counter button' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(creator, statusIs(battleId, 'voting'));
    const end = creator.frames
      .map((f) => f.payload as { runId: string; side: 'a' | 'b'; preview?: unknown })
      .find((p) => p.preview !== undefined)!;

    const page = await (await browser.newContext({ viewport: { width: 800, height: 600 } })).newPage();
    // What the bridge posts to whoever frames the page (here the page itself, loaded on its own).
    await page.addInitScript(
      "window.__batches = []; addEventListener('message', (e) => { if (e.data && e.data.arenaInteraction) window.__batches.push(e.data.events); });",
    );
    await page.goto(`${arena.url}/api/runs/${end.runId}/preview`);
    await page.getByTestId('counter').click();
    await page.getByText('clicked 1 times').waitFor();
    await page.keyboard.press('ArrowUp');
    await expect
      .poll(async () => (await page.evaluate<InteractionEvent[][]>('window.__batches')).flat().map((e) => e.type))
      .toEqual(expect.arrayContaining(['load', 'click', 'keydown']));
    const events = (await page.evaluate<InteractionEvent[][]>('window.__batches')).flat();
    await page.context().close();

    const spectator = await connectClient(arena.url);
    expect(await spectator.socket.emitWithAck('preview:interaction', { battleId, runId: end.runId, events })).toEqual({
      ok: true,
      accepted: false,
    });
    expect(await creator.socket.emitWithAck('preview:interaction', { battleId, runId: end.runId, events })).toEqual({
      ok: true,
      accepted: true,
    });
    const bad = await creator.socket.emitWithAck('preview:interaction', { battleId, runId: end.runId, events: [] });
    expect(bad.ok ? 'ok' : bad.error.code).toBe('invalid_input');

    // Before the vote: nowhere — no frame, no snapshot, no data set.
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    if (!watched.ok) throw new Error(watched.error.message);
    const clickAt = events.find((e) => e.type === 'click')!;
    const seen = JSON.stringify([creator.frames, spectator.frames, watched.snapshot]);
    // (The page's own bridge code names the event types, unquoted: what must not appear is a recorded event.)
    expect(seen).not.toMatch(/"type":"(keydown|click|load)"|ArrowUp/);
    const before = await (await fetch(`${arena.url}/api/datasets/battles.jsonl`)).text();
    expect(before).not.toContain(battleId);

    const vote = await creator.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    if (!vote.ok) throw new Error(vote.error.message);
    const row = (await (await fetch(`${arena.url}/api/datasets/battles.jsonl`)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((r) => r['question_id'] === battleId)!;
    const other = end.side === 'a' ? 'b' : 'a';
    expect(row[`actions_${other}`]).toBeNull();
    const actions = row[`actions_${end.side}`] as { turn: number; origin: string; events: InteractionEvent[] }[];
    expect(actions).toEqual([{ turn: 0, origin: 'answer', events }]);
    expect(actions[0]!.events).toContainEqual(clickAt);
    expect(actions[0]!.events).toContainEqual(expect.objectContaining({ type: 'keydown', key: 'ArrowUp' }));
    creator.socket.disconnect();
    spectator.socket.disconnect();
  });
});
