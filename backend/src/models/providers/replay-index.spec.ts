import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayIndex } from './replay-index.js';
import { ReplayProvider } from './replay.provider.js';

describe('ReplayIndex in a conversation', () => {
  let dir: string;
  let index: ReplayIndex;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-replay-'));
    const rows = [
      {
        uid: 'conv',
        messages: [
          { role: 'user', content: 'Write a counter in React' },
          { role: 'assistant', content: { answer: 'counter v1' } },
          { role: 'user', content: 'Add a reset button' },
          { role: 'assistant', content: { answer: 'counter v2 with reset' } },
        ],
      },
      {
        uid: 'sort',
        messages: [
          { role: 'user', content: 'Sort a list of numbers' },
          { role: 'assistant', content: { answer: 'sorted' } },
        ],
      },
    ];
    await writeFile(path.join(dir, 'answers.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    await writeFile(
      path.join(dir, 'questions.jsonl'),
      [
        { uid: 'conv', prompt: 'Write a counter in React' },
        { uid: 'sort', prompt: 'Sort a list of numbers' },
      ]
        .map((q) => JSON.stringify(q))
        .join('\n'),
    );
    index = await ReplayIndex.load(path.join(dir, 'answers.jsonl'), path.join(dir, 'questions.jsonl'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers a first prompt with the first reply of a recorded conversation', () => {
    expect(index.findInConversation(['Write a counter in React'])).toMatchObject({
      uid: 'conv',
      answer: 'counter v1',
      match: 'exact',
    });
  });

  it('answers a follow-up from the recorded conversation whose user turns are the same', () => {
    expect(index.findInConversation(['write a counter in  React', 'Add a reset button'])).toEqual({
      uid: 'conv',
      answer: 'counter v2 with reset',
      match: 'conversation',
      similarity: 1,
    });
  });

  it('answers any other follow-up by its own prompt, and the provider says so', async () => {
    expect(index.findInConversation(['Write a counter in React', 'Now sort a list of numbers'])).toMatchObject({
      uid: 'sort',
      match: 'similar',
    });
    const provider = new ReplayProvider(index, 100_000);
    const result = await provider.generate({
      messages: [
        { role: 'user', content: 'Write a counter in React' },
        { role: 'assistant', content: 'counter v1' },
        { role: 'user', content: 'Sort a list of numbers' },
      ],
      signal: new AbortController().signal,
      onText: () => undefined,
    });
    expect(result.meta).toEqual({ replay: { uid: 'sort', match: 'exact', similarity: 1, followup: 'nearest-prompt' } });
  });
});
