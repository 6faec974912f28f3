import { describe, expect, it } from 'vitest';
import { agreement } from './metrics.js';
import { readJudgement, readVote, rewardReport, RewardInputError } from './reward.js';

describe('rewardReport', () => {
  const votes = [
    readVote({ chat_session_id: 's1', human_vote: 'vote_model_A', category_name: 'web' }, 'v:1'),
    readVote({ question_id: 's2', winner: 'model_b', category: 'web' }, 'v:2'),
    readVote({ chat_session_id: 's3', winner: 'tie (bothbad)', category_name: 'games' }, 'v:3'),
    readVote({ chat_session_id: 's4', human_vote: 'vote_tie' }, 'v:4'),
    readVote({ chat_session_id: 's5', human_vote: 'vote_model_B' }, 'v:5'),
  ];
  const judgements = [
    { chat_session_id: 's1', judge: 'gpt', mode: 'with_execution', verdict: 'A' },
    { chat_session_id: 's2', judge: 'gpt', mode: 'with_execution', verdict: 'vote_left' },
    { chat_session_id: 's3', judge: 'gpt', mode: 'with_execution', verdict: 'both_bad' },
    { chat_session_id: 's4', judge: 'gpt', mode: 'with_execution', verdict: 'vote_both_bad' },
    { chat_session_id: 's1', judge: 'gpt', mode: 'without_execution', verdict: 'B' },
    { chat_session_id: 'zz', judge: 'gpt', mode: 'without_execution', verdict: 'B' },
  ].map((row, i) => readJudgement(row, `j:${i + 1}`));

  it('groups by judge and mode, joins on the session id, and counts rows found in only one file', () => {
    const report = rewardReport(votes, judgements);
    expect(report.leftOut).toEqual({ votesWithoutJudgement: 1, judgementsWithoutVote: 1 });
    expect(report.judges.map((j) => [j.judge, j.mode, j.n])).toEqual([
      ['gpt', 'with_execution', 4],
      ['gpt', 'without_execution', 1],
    ]);
    const withExecution = report.judges[0]!;
    expect(withExecution.fourClass).toEqual(
      agreement(['A', 'B', 'both_bad', 'tie'], ['A', 'A', 'both_bad', 'both_bad']),
    );
    expect(withExecution.fourClass.accuracy).toBe(0.5);
    // 3-class: tie and both-bad merge, so s4 (tie vs both bad) now agrees.
    expect(withExecution.threeClass.accuracy).toBe(0.75);
    expect(withExecution.threeClass.confusion.labels).toEqual(['A', 'B', 'uncertain']);
    expect(Object.keys(withExecution.byCategory)).toEqual(['games', 'web']);
    expect(withExecution.byCategory['web']!.n).toBe(2);
    expect(withExecution.byCategory['web']!.fourClass.accuracy).toBe(0.5);
  });

  it('names the row and the field of bad input', () => {
    expect(() => readVote({ chat_session_id: 's1', human_vote: 'left' }, 'votes.jsonl:7')).toThrow(
      /votes\.jsonl:7: human_vote/,
    );
    expect(() => readVote({ human_vote: 'vote_tie' }, 'v:1')).toThrow(RewardInputError);
    expect(() => readJudgement({ chat_session_id: 's', judge: 'j', mode: 'exec', verdict: 'A' }, 'j:2')).toThrow(
      /j:2: mode/,
    );
    expect(() => readJudgement({ chat_session_id: 's', mode: 'with_execution', verdict: 'A' }, 'j:3')).toThrow(
      /judge is required/,
    );
    expect(() =>
      readJudgement({ chat_session_id: 's', judge: 'j', mode: 'with_execution', verdict: 'maybe' }, 'j:4'),
    ).toThrow(/verdict/);
  });
});
