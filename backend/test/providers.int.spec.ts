import type { BattleSnapshot } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SideMessageEntity } from '../src/battles/entities/index.js';
import { AnthropicProvider } from '../src/models/providers/anthropic.provider.js';
import { OpenAiProvider } from '../src/models/providers/openai.provider.js';
import { ProviderError, type GenerateResult } from '../src/models/providers/provider.js';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import {
  connectClient,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

const ANSWER = 'Here you go:\n\n```javascript\nconsole.log([1, 2, 3].map((x) => x * 2).join(","));\n```\n';

describe('OpenAI-compatible provider against a local SSE server', () => {
  let fake: FakeLlm;
  beforeAll(async () => {
    fake = await startFakeLlm({
      good: { kind: 'stream', text: ANSWER },
      long: { kind: 'stream', text: 'abc', finishReason: 'length' },
      cut: { kind: 'cut', text: ANSWER, afterChunks: 3 },
      broken: { kind: 'error', status: 500, body: '{"error":{"message":"upstream exploded for model broken"}}' },
      hang: { kind: 'hang' },
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  const run = async (model: string) => {
    const provider = new OpenAiProvider({ baseUrl: fake.openaiUrl, model, apiKey: 'sk-test' });
    let text = '';
    const result = await provider.generate({
      messages: [{ role: 'user', content: 'double these' }],
      signal: new AbortController().signal,
      onText: (t) => (text += t),
    });
    return { result, text };
  };

  it('streams the whole answer, with finish reason and token usage, sending the key and the messages', async () => {
    const { result, text } = await run('good');
    expect(text).toBe(ANSWER);
    expect(result.finishReason).toBe('stop');
    expect(result.outputTokens).toBeGreaterThan(1);
    const request = fake.requests.find((r) => r.model === 'good');
    expect(request).toMatchObject({
      stream: true,
      authorization: 'Bearer sk-test',
      messages: [{ role: 'user', content: 'double these' }],
    });
  });

  it('reports a length cut-off', async () => {
    expect((await run('long')).result.finishReason).toBe('length');
  });

  it('turns an HTTP error into a ProviderError whose public message names no model', async () => {
    const error = await run('broken').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain('upstream exploded');
    expect((error as ProviderError).publicMessage).toBe("the model's service answered with an error (HTTP 500)");
    expect((error as ProviderError).publicMessage).not.toContain('broken');
  });

  it('treats a stream cut mid-way as an error, after delivering what arrived', async () => {
    const provider = new OpenAiProvider({ baseUrl: fake.openaiUrl, model: 'cut' });
    let text = '';
    const error = await provider
      .generate({
        messages: [{ role: 'user', content: 'x' }],
        signal: new AbortController().signal,
        onText: (t) => (text += t),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('stream_cut');
    expect(text).toBe(ANSWER.slice(0, 21));
  });

  it('stops at once when cancelled', async () => {
    const provider = new OpenAiProvider({ baseUrl: fake.openaiUrl, model: 'hang' });
    const controller = new AbortController();
    const pending = provider.generate({
      messages: [{ role: 'user', content: 'x' }],
      signal: controller.signal,
      onText: () => undefined,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
  });
});

describe('Anthropic Messages provider against a local SSE server', () => {
  let fake: FakeLlm;
  beforeAll(async () => {
    fake = await startFakeLlm({
      'claude-good': { kind: 'stream', text: ANSWER },
      'claude-long': { kind: 'stream', text: 'abc', finishReason: 'length' },
      'claude-cut': { kind: 'cut', text: ANSWER, afterChunks: 2 },
      'claude-overloaded': { kind: 'midstream-error', text: ANSWER, afterChunks: 1 },
      'claude-429': { kind: 'error', status: 429, body: '{"type":"error","error":{"type":"rate_limit_error"}}' },
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  const run = async (model: string) => {
    const provider = new AnthropicProvider({ baseUrl: fake.anthropicUrl, model, apiKey: 'sk-ant-test' });
    let text = '';
    const outcome = await provider
      .generate({
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'double these' },
        ],
        signal: new AbortController().signal,
        onText: (t) => (text += t),
      })
      .then(
        (result): { result?: GenerateResult; error?: unknown } => ({ result }),
        (error: unknown): { result?: GenerateResult; error?: unknown } => ({ error }),
      );
    return { ...outcome, text };
  };

  it('streams text deltas to the end, with the stop reason, tokens, key, version and system prompt', async () => {
    const { result, text } = await run('claude-good');
    expect(text).toBe(ANSWER);
    expect(result).toMatchObject({ finishReason: 'stop', outputTokens: Math.ceil(ANSWER.length / 7) });
    expect(fake.requests.find((r) => r.model === 'claude-good')).toMatchObject({
      path: '/v1/messages',
      apiKey: 'sk-ant-test',
      anthropicVersion: '2023-06-01',
      system: 'be brief',
      stream: true,
      messages: [{ role: 'user', content: 'double these' }],
    });
    expect((await run('claude-long')).result?.finishReason).toBe('length');
  });

  it('turns HTTP errors, mid-stream error events and cut streams into public-safe ProviderErrors', async () => {
    const http = await run('claude-429');
    expect((http.error as ProviderError).publicMessage).toBe("the model's service answered with an error (HTTP 429)");
    const overloaded = await run('claude-overloaded');
    expect(overloaded.error).toBeInstanceOf(ProviderError);
    expect((overloaded.error as ProviderError).message).toContain('overloaded_error');
    expect(overloaded.text).toBe(ANSWER.slice(0, 7));
    const cut = await run('claude-cut');
    expect((cut.error as ProviderError).kind).toBe('stream_cut');
    expect(cut.text).toBe(ANSWER.slice(0, 14));
  });
});

describe('battles with OpenAI-protocol models', () => {
  let fake: FakeLlm;
  let arena: TestArena;
  beforeAll(async () => {
    fake = await startFakeLlm({
      'remote-good': { kind: 'stream', text: ANSWER },
      'remote-cut': { kind: 'cut', text: ANSWER, afterChunks: 4 },
    });
    arena = await startTestArena({
      database: 'embedded',
      models: [
        { id: 'acme-good', name: 'Acme Good', provider: 'openai', model: 'remote-good', baseUrl: fake.openaiUrl },
        { id: 'acme-cut', name: 'Acme Cut', provider: 'openai', model: 'remote-cut', baseUrl: fake.openaiUrl },
      ],
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('keeps the partial answer of a side whose stream was cut, runs the other, and lets the voter vote', async () => {
    const voter = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt: 'double 1, 2, 3' });
    if (!created.ok) throw new Error(created.error.message);
    await waitForFrame(voter, statusIs(created.battleId, 'voting'));
    const snapshot = (await getJson<BattleSnapshot>(`${arena.url}/api/battles/${created.battleId}`)).body;
    const sides = Object.values(snapshot.turns[0]!.sides);
    const good = sides.find((s) => s.finishReason === 'stop')!;
    const cut = sides.find((s) => s.finishReason === 'error')!;
    expect(good.text).toBe(ANSWER);
    expect(good.runs[0]).toMatchObject({ status: 'ok', output: '2,4,6\n' });
    expect(cut.text).toBe(ANSWER.slice(0, 28));
    expect(cut.error).toBe("the model's service stopped mid-answer");
    const frames = JSON.stringify(voter.frames);
    expect(frames).not.toMatch(/acme|remote-|Acme/);
    const stored = await arena.app
      .get(DataSource)
      .getRepository(SideMessageEntity)
      .findBy({ battleId: created.battleId });
    expect(stored.find((m) => m.finishReason === 'error')).toMatchObject({ text: ANSWER.slice(0, 28) });
    expect(stored.find((m) => m.finishReason === 'error')?.errorDetail).toMatch(/ended before \[DONE\]|failed/);
    const vote = await voter.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'model_a' });
    expect(vote.ok).toBe(true);
    voter.socket.disconnect();
  });
});
