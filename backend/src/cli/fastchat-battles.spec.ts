import { describe, expect, it } from 'vitest';
import { importedTurns } from './fastchat-battles.js';

describe('importedTurns: a FastChat row’s conversation as user turns with both sides’ answers', () => {
  it('reads every user turn and each side’s own answer to it', () => {
    const conversation = (tag: string) => [
      { role: 'user', content: 'Write fizzbuzz' },
      { role: 'assistant', content: `${tag}1` },
      { role: 'user', content: 'Now in Rust' },
      { role: 'assistant', content: `${tag}2` },
    ];
    expect(importedTurns({ conversation_a: conversation('A'), conversation_b: conversation('B') })).toEqual([
      { prompt: 'Write fizzbuzz', answers: { a: 'A1', b: 'B1' } },
      { prompt: 'Now in Rust', answers: { a: 'A2', b: 'B2' } },
    ]);
  });

  it('takes JSON text (CSV), content parts, and a side that did not answer a turn', () => {
    const a = JSON.stringify([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'one' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A' },
          { type: 'text', text: '1' },
        ],
      },
      { role: 'user', content: 'two' },
    ]);
    expect(importedTurns({ conversation_a: a })).toEqual([
      { prompt: 'one', answers: { a: 'A1' } },
      { prompt: 'two', answers: {} },
    ]);
  });

  it('gives a row without a conversation one turn with an empty prompt', () => {
    expect(importedTurns({})).toEqual([{ prompt: '', answers: {} }]);
    expect(importedTurns({ conversation_a: 'not json' })).toEqual([{ prompt: '', answers: {} }]);
  });
});
