import type { CodeReady, RunEnd } from '@arena/contracts';
import { SandboxRegistry } from '@arena/sandboxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startTestArena, statusIs, waitForFrame, type TestArena } from './support/test-arena.js';

/**
 * A re-run with edited code runs as what the edit is: a Python side edited into a Streamlit app becomes a live
 * app (it ran as a plain script before: Streamlit printed "missing ScriptRunContext" and the run ended `ok` with
 * nothing to see), and edited back into a plain script it runs as one. Real arena, PostgreSQL, Docker.
 */
let arena: TestArena;

beforeAll(async () => {
  arena = await startTestArena({
    database: 'postgres',
    env: { ARENA_SANDBOX_POOL: '0', ARENA_APP_TTL_MS: '500', ARENA_PYODIDE: 'off' },
  });
  await arena.app.get(SandboxRegistry).start();
});

afterAll(async () => {
  await arena?.stop();
});

describe('a re-run of an edited Python side', () => {
  it('runs a Streamlit edit as a live app, and a plain edit as a script again', { timeout: 180_000 }, async () => {
    const voter = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Print the first 10 squares in Python' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(voter, statusIs(battleId, 'voting'), 120_000);
    const ready = voter.frames
      .filter((f) => f.event === 'code:ready')
      .map((f) => f.payload as CodeReady)
      .find((c) => c.side === 'a');
    expect(ready?.environment).toBe('python');

    const rerun = async (code: string): Promise<RunEnd> => {
      const ack = await voter.socket.emitWithAck('run:request', { battleId, side: 'a', code });
      if (!ack.ok) throw new Error(ack.error.message);
      const end = await waitForFrame(
        voter,
        (f) => f.event === 'run:end' && (f.payload as RunEnd).runId === ack.runId,
        150_000,
      );
      return end.payload as RunEnd;
    };

    const app = await rerun("import streamlit as st\nst.title('Edited into an app')\n");
    expect(app.status).toBe('ok');
    if (app.preview?.kind !== 'app') throw new Error(`no app preview: ${JSON.stringify(app.preview)}`);
    const page = await fetch(`${arena.url}${app.preview.url}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    const script = await rerun('print(sum(i * i for i in range(10)))\n');
    expect(script.status).toBe('ok');
    expect(script.preview).toBeUndefined();
    voter.socket.disconnect();
  });
});
