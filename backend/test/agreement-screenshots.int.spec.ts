import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AgreementBreakdown, AgreementResponse } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JudgeService } from '../src/judges/judge.service.js';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import {
  connectClient,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

/**
 * Agreement split by screenshots (issue 17 item 4): a vision judge with execution sees the pictures of a battle
 * whose runs rendered pages, and none of a battle whose runs only printed. The endpoint counts the first among
 * the verdicts made with screenshots and the second among those without; without execution, no verdict saw one.
 */
describe('agreement with and without screenshots', () => {
  let arena: TestArena;
  let fake: FakeLlm;
  beforeAll(async () => {
    // What both models answer depends on the prompt: a coloured page (a preview, so a screenshot) or a print.
    const answer = (colour: string) => (messages: { role: string; content: string }[]) =>
      /page/.test(JSON.stringify(messages.at(-1)?.content ?? ''))
        ? `Here:\n\n\`\`\`html\n<!doctype html><html><body style="margin:0;background:${colour}">` +
          `<h1 style="color:white;font:40px sans-serif;padding:40px">${colour}</h1></body></html>\n\`\`\`\n`
        : `Here:\n\n\`\`\`javascript\nconsole.log(${JSON.stringify(colour)});\n\`\`\`\n`;
    fake = await startFakeLlm({
      red: { kind: 'reply', reply: answer('darkred') },
      blue: { kind: 'reply', reply: answer('navy') },
      'vision-model': { kind: 'stream', text: '{"reasoning": "The first one.", "winner": "A"}' },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-agreement-'));
    const judgesFile = path.join(dir, 'judges.yaml');
    await writeFile(
      judgesFile,
      `- id: looker\n  provider: openai\n  model: vision-model\n  baseUrl: ${fake.openaiUrl}\n  vision: true\n`,
    );
    arena = await startTestArena({
      database: 'postgres',
      models: [
        { id: 'red', name: 'Red', provider: 'openai', model: 'red', baseUrl: fake.openaiUrl },
        { id: 'blue', name: 'Blue', provider: 'openai', model: 'blue', baseUrl: fake.openaiUrl },
      ],
      env: { ARENA_JUDGES_FILE: judgesFile },
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('separates the verdicts made with screenshots from those made without', async () => {
    const voter = await connectClient(arena.url);
    const battles: Record<string, string> = {};
    for (const prompt of ['A coloured web page', 'Print a colour']) {
      const created = await voter.socket.emitWithAck('battle:create', { prompt });
      if (!created.ok) throw new Error(created.error.message);
      await waitForFrame(voter, statusIs(created.battleId, 'voting'), 60_000);
      const voted = await voter.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'model_a' });
      expect(voted.ok).toBe(true);
      battles[prompt] = created.battleId;
    }
    await arena.app.get(JudgeService).idle();

    // What the judge was shown, as stored: both pictures with execution on the pages, none elsewhere.
    const rows = await arena.app
      .get(DataSource)
      .query<{ battle_id: string; mode: string; screenshots: number }[]>(
        'SELECT battle_id, mode, screenshots FROM judgements ORDER BY battle_id, mode, judge_order',
      );
    const shown = (battleId: string, mode: string) =>
      rows.filter((r) => r.battle_id === battleId && r.mode === mode).map((r) => r.screenshots);
    expect(shown(battles['A coloured web page']!, 'with_execution')).toEqual([2, 2]);
    expect(shown(battles['A coloured web page']!, 'without_execution')).toEqual([0, 0]);
    expect(shown(battles['Print a colour']!, 'with_execution')).toEqual([0, 0]);
    expect(shown(battles['Print a colour']!, 'without_execution')).toEqual([0, 0]);

    const agreement = await getJson<AgreementResponse>(`${arena.url}/api/reward/agreement`);
    expect(agreement.status).toBe(200);
    const of = (mode: string) => agreement.body.judges.find((j) => j.judge === 'looker' && j.mode === mode)!;
    const n = (group: AgreementBreakdown | undefined) => group?.n;
    expect(of('with_execution').n).toBe(2);
    expect(n(of('with_execution').byScreenshots.with)).toBe(1);
    expect(n(of('with_execution').byScreenshots.without)).toBe(1);
    expect(of('without_execution').byScreenshots.with).toBeUndefined();
    expect(n(of('without_execution').byScreenshots.without)).toBe(2);
    voter.socket.disconnect();
  });
});
