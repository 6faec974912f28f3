import { describe, expect, it } from 'vitest';
import { cleanVotes, VoteCleaner, type VoteRecord } from './hygiene.js';

const DAY = 86_400_000;
const vote = (over: Partial<VoteRecord>): VoteRecord => ({
  model_a: 'a',
  model_b: 'b',
  winner: 'model_a',
  anony: true,
  voter: 'v1',
  tstamp: Date.UTC(2026, 10, 25, 12),
  prompt: 'write a sort',
  answers: ['here is code', 'and more code'],
  ...over,
});

describe('cleanVotes', () => {
  it('applies each rule and reports how many it removed', () => {
    const votes = [
      vote({ anony: false }),
      vote({ answers: ['As an AI developed by OpenAI, I…', 'x'], prompt: 'p1' }),
      vote({ answers: ['I am Claude.', 'x'], prompt: 'p2' }),
      vote({ answers: ['sort with llamasort()', 'x'], prompt: 'p3' }), // "llama" inside a word is not a match
      vote({ voter: 'v2', prompt: 'p4' }),
      vote({ voter: 'v2', prompt: 'p5' }),
      vote({ voter: 'v2', prompt: 'p6' }), // over the cap of 2 per day
      vote({ voter: 'v2', prompt: 'p7', tstamp: Date.UTC(2026, 10, 25, 12) + DAY }), // next day
      vote({ voter: 'v3', prompt: 'Same  PROMPT' }),
      vote({ voter: 'v4', prompt: 'same prompt' }),
      vote({ voter: 'v5', prompt: 'same prompt ' }), // third copy, over maxPerPrompt 2
    ];
    const { kept, report } = cleanVotes(votes, { dailyCapPerVoter: 2, maxPerPrompt: 2 });
    expect(report).toEqual({
      input: 11,
      kept: 6,
      removed: { notAnonymous: 1, identityRevealed: 2, voterDailyCap: 1, duplicatePrompt: 1 },
    });
    expect(kept.map((v) => v.prompt)).toEqual(['p3', 'p4', 'p5', 'p7', 'Same  PROMPT', 'same prompt']);
  });

  it('keeps everything with no limits and no identity words', () => {
    const votes = [vote({}), vote({ answers: ['GPT-4 here'] })];
    expect(cleanVotes(votes, { identityWords: [] }).kept).toHaveLength(2);
  });

  it('cleans votes added later as if they had been in the first list', () => {
    const votes = Array.from({ length: 60 }, (_, i) =>
      vote({ voter: `v${i % 4}`, prompt: `p${i % 7}`, tstamp: Date.UTC(2026, 10, 25) + i * 3_600_000 }),
    );
    const whole = cleanVotes(votes, { dailyCapPerVoter: 3, maxPerPrompt: 5 });
    const cleaner = new VoteCleaner<VoteRecord>({ dailyCapPerVoter: 3, maxPerPrompt: 5 });
    for (let i = 0; i < votes.length; i += 13) cleaner.add(votes.slice(i, i + 13));
    expect(cleaner.kept).toEqual(whole.kept);
    expect(cleaner.report()).toEqual(whole.report);
  });
});
