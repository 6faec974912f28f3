import type { JudgeAgreement as ContractJudgeAgreement } from '@arena/contracts';
import { agreement, toThreeClass, type AgreementMetrics } from './metrics.js';
import type { Verdict } from './verdict.js';

/** A problem with one input row; `where` is `file:line`. */
export class RewardInputError extends Error {
  override name = 'RewardInputError';
}

const HUMAN: Record<string, Verdict> = {
  vote_model_a: 'A',
  vote_model_b: 'B',
  vote_tie: 'tie',
  vote_both_bad: 'both_bad',
  model_a: 'A',
  model_b: 'B',
  tie: 'tie',
  'tie (bothbad)': 'both_bad',
  both_bad: 'both_bad',
};

const JUDGE: Record<string, Verdict> = {
  a: 'A',
  b: 'B',
  tie: 'tie',
  both_bad: 'both_bad',
  vote_left: 'A',
  vote_right: 'B',
  vote_tie: 'tie',
  vote_both_bad: 'both_bad',
};

export interface HumanVote {
  id: string;
  vote: Verdict;
  category: string | undefined;
}

export interface JudgeVerdict {
  id: string;
  judge: string;
  mode: 'with_execution' | 'without_execution';
  verdict: Verdict;
}

function text(row: Record<string, unknown>, keys: string[]): string | undefined {
  for (const key of keys) {
    const value = row[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

function object(row: unknown, where: string): Record<string, unknown> {
  if (!row || typeof row !== 'object' || Array.isArray(row)) throw new RewardInputError(`${where}: not an object`);
  return row as Record<string, unknown>;
}

/** A votes row `{ chat_session_id | question_id, human_vote | winner, category_name? }`, either vocabulary. */
export function readVote(raw: unknown, where: string): HumanVote {
  const row = object(raw, where);
  const id = text(row, ['chat_session_id', 'question_id']);
  if (!id) throw new RewardInputError(`${where}: chat_session_id or question_id is required`);
  const label = text(row, ['human_vote', 'winner']);
  const vote = label ? HUMAN[label.toLowerCase()] : undefined;
  if (!vote)
    throw new RewardInputError(
      `${where}: human_vote/winner must be a vote (vote_model_A, …, model_a, tie, …); got ${JSON.stringify(label ?? null)}`,
    );
  return { id, vote, category: text(row, ['category_name', 'category']) };
}

/** A judgements row `{ chat_session_id | question_id, judge, mode, verdict }`, either vocabulary. */
export function readJudgement(raw: unknown, where: string): JudgeVerdict {
  const row = object(raw, where);
  const id = text(row, ['chat_session_id', 'question_id']);
  if (!id) throw new RewardInputError(`${where}: chat_session_id or question_id is required`);
  const judge = text(row, ['judge']);
  if (!judge) throw new RewardInputError(`${where}: judge is required`);
  const mode = text(row, ['mode']);
  if (mode !== 'with_execution' && mode !== 'without_execution') {
    throw new RewardInputError(`${where}: mode must be with_execution or without_execution`);
  }
  const label = text(row, ['verdict']);
  const verdict = label ? JUDGE[label.toLowerCase()] : undefined;
  if (!verdict)
    throw new RewardInputError(
      `${where}: verdict must be A, B, tie, both_bad or vote_left, vote_right, vote_tie, vote_both_bad`,
    );
  return { id, judge, mode, verdict };
}

export type JudgeAgreement = ContractJudgeAgreement;

export interface RewardReport {
  judges: JudgeAgreement[];
  /** Rows present in only one of the two inputs. */
  leftOut: { votesWithoutJudgement: number; judgementsWithoutVote: number };
}

function both(pairs: { human: Verdict; judge: Verdict }[]): {
  n: number;
  fourClass: AgreementMetrics;
  threeClass: AgreementMetrics;
} {
  const human = pairs.map((p) => p.human);
  const judge = pairs.map((p) => p.judge);
  return {
    n: pairs.length,
    fourClass: agreement(human, judge),
    threeClass: agreement(human.map(toThreeClass), judge.map(toThreeClass)),
  };
}

/** BigCodeReward agreement of every (judge, mode) with the human votes, overall and per category. */
export function rewardReport(votes: readonly HumanVote[], judgements: readonly JudgeVerdict[]): RewardReport {
  const byId = new Map(votes.map((v) => [v.id, v]));
  const judged = new Set<string>();
  let judgementsWithoutVote = 0;
  const groups = new Map<
    string,
    { judge: string; mode: JudgeVerdict['mode']; pairs: { human: Verdict; judge: Verdict; category?: string }[] }
  >();
  for (const j of judgements) {
    const vote = byId.get(j.id);
    if (!vote) {
      judgementsWithoutVote += 1;
      continue;
    }
    judged.add(j.id);
    const key = `${j.judge}\u0000${j.mode}`;
    let group = groups.get(key);
    if (!group) {
      group = { judge: j.judge, mode: j.mode, pairs: [] };
      groups.set(key, group);
    }
    group.pairs.push({ human: vote.vote, judge: j.verdict, ...(vote.category ? { category: vote.category } : {}) });
  }
  const judges = [...groups.values()]
    .sort((a, b) => a.judge.localeCompare(b.judge) || a.mode.localeCompare(b.mode))
    .map((group): JudgeAgreement => {
      const categories = [...new Set(group.pairs.map((p) => p.category).filter((c): c is string => !!c))].sort();
      return {
        judge: group.judge,
        mode: group.mode,
        ...both(group.pairs),
        byCategory: Object.fromEntries(categories.map((c) => [c, both(group.pairs.filter((p) => p.category === c))])),
      };
    });
  return {
    judges,
    leftOut: { votesWithoutJudgement: votes.filter((v) => !judged.has(v.id)).length, judgementsWithoutVote },
  };
}
