import { describe, expect, it } from 'vitest';
import { LiveBattle } from './live-battle.js';

const models = { a: { id: 'ma', name: 'A' }, b: { id: 'mb', name: 'B' } };

describe('LiveBattle.conversation', () => {
  it('gives each side every user turn and only its own answers', () => {
    const live = new LiveBattle('b1', new Date(), 'voter', models, undefined, 'first');
    live.side(0, 'a').text = 'answer a0';
    live.side(0, 'b').text = 'answer b0';
    live.addTurn('second');
    expect(live.conversation(1, 'a')).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'answer a0' },
      { role: 'user', content: 'second' },
    ]);
    expect(JSON.stringify(live.conversation(1, 'b'))).not.toContain('answer a0');
  });

  it('leaves out an answer a side never gave, joining that prompt to the next', () => {
    const live = new LiveBattle('b2', new Date(), 'voter', models, undefined, 'first');
    live.side(0, 'b').text = 'answer b0';
    live.addTurn('second');
    live.side(1, 'a').text = 'answer a1';
    live.addTurn('third');
    expect(live.conversation(2, 'a')).toEqual([
      { role: 'user', content: 'first\n\nsecond' },
      { role: 'assistant', content: 'answer a1' },
      { role: 'user', content: 'third' },
    ]);
  });
});
