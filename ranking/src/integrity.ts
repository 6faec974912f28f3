import type { Outcome } from './pairwise.js';
import { seededRandom } from './random.js';

/**
 * Vote integrity, as FastChat's leaderboard pipeline checks it (fastchat/serve/monitor/elo_analysis.py and
 * deduplication.py in lm-sys/FastChat): a sequential test per voter of whether their votes disagree with
 * everyone else's record of the same pairs more than chance allows, and a down-sampling of prompts asked far
 * more often than the rest.
 */

export interface IntegrityVote {
  model_a: string;
  model_b: string;
  winner: Outcome;
  /** The voter (FastChat's `judge`). */
  voter: string;
}

export interface AnomalyOptions {
  /** Significance: a voter is flagged once either running product passes 1/alpha. FastChat: 0.05. */
  alpha?: number;
  /** Votes of one voter tested at most (the first ones, in input order). FastChat: 100. */
  maxVotes?: number;
  /** Voters with fewer votes are not tested. FastChat: 5. */
  minVotes?: number;
}

export interface AnomalyReport {
  alpha: number;
  /** Voters with at least minVotes votes, the ones tested. */
  votersChecked: number;
  /** Flagged voters, each with how many of its votes had been tested when the test rejected. */
  flagged: { voter: string; votes: number; testedVotes: number }[];
  /** Votes removed: every vote of a flagged voter. */
  removedVotes: number;
}

/**
 * FastChat's `outlier_detect`: the pairs' records (win / loss / tie of the alphabetically first model, over all
 * the votes given, the voter's own included); per tested voter, in order, the vote's value v (1 when the pair's
 * first model won, 0 when it lost, 0.5 for a tie) against the pair's decided votes r (ties left out):
 * p↑ = share of r ≤ v, p↓ = share of r ≥ v; the running products Π 1/(2p↑) and Π 1/(2p↓) are e-values, and
 * past 1/alpha the voter is flagged. A pair with no decided vote gives p = NaN, which (as in NumPy) leaves that
 * voter's products NaN and so never flagged afterwards. Returns the votes of voters not flagged, in order.
 */
export function removeAnomalousVoters<T extends IntegrityVote>(
  votes: readonly T[],
  options: AnomalyOptions = {},
): { kept: T[]; report: AnomalyReport } {
  const alpha = options.alpha ?? 0.05;
  const maxVotes = options.maxVotes ?? 100;
  const minVotes = options.minVotes ?? 5;
  const pairs = new Map<string, { win: number; loss: number }>();
  const keyOf = (v: IntegrityVote): { key: string; value: number } => {
    const first = v.model_a <= v.model_b ? v.model_a : v.model_b;
    const key = v.model_a <= v.model_b ? `${v.model_a}\u0000${v.model_b}` : `${v.model_b}\u0000${v.model_a}`;
    const value =
      v.winner === 'tie' || v.winner === 'tie (bothbad)'
        ? 0.5
        : (v.winner === 'model_a' ? v.model_a : v.model_b) === first
          ? 1
          : 0;
    return { key, value };
  };
  const byVoter = new Map<string, T[]>();
  for (const v of votes) {
    const { key, value } = keyOf(v);
    let stats = pairs.get(key);
    if (!stats) pairs.set(key, (stats = { win: 0, loss: 0 }));
    if (value === 1) stats.win += 1;
    else if (value === 0) stats.loss += 1;
    let list = byVoter.get(v.voter);
    if (!list) byVoter.set(v.voter, (list = []));
    list.push(v);
  }
  const flagged: AnomalyReport['flagged'] = [];
  let votersChecked = 0;
  for (const [voter, list] of byVoter) {
    if (list.length < minVotes) continue;
    votersChecked += 1;
    let upper = 1;
    let lower = 1;
    for (let i = 0; i < Math.min(list.length, maxVotes); i++) {
      const { key, value } = keyOf(list[i]!);
      const { win, loss } = pairs.get(key)!;
      const total = win + loss;
      // Decided votes r ∈ {0, 1}: r ≤ v counts the losses (and the wins when v = 1), r ≥ v the wins (and
      // the losses when v = 0).
      const pUpper = total === 0 ? NaN : (loss + (value >= 1 ? win : 0)) / total;
      const pLower = total === 0 ? NaN : (win + (value <= 0 ? loss : 0)) / total;
      upper *= 1 / (2 * pUpper);
      lower *= 1 / (2 * pLower);
      if (upper > 1 / alpha || lower > 1 / alpha) {
        flagged.push({ voter, votes: list.length, testedVotes: i + 1 });
        break;
      }
    }
  }
  const bad = new Set(flagged.map((f) => f.voter));
  const kept = votes.filter((v) => !bad.has(v.voter));
  return { kept, report: { alpha, votersChecked, flagged, removedVotes: votes.length - kept.length } };
}

/** FastChat's tag of a deduplicated row: its prompt is one of the most frequent; it was kept. */
export interface DedupTag {
  high_freq: boolean;
  sampled: boolean;
}

export interface DedupOptions {
  /** Prompts asked more often than this quantile of the prompts' counts are down-sampled. FastChat: 0.9999. */
  percentile?: number;
  /** Seed of the sample kept of each frequent prompt. */
  seed?: number;
}

export interface DedupReport {
  percentile: number;
  /** The quantile of the prompts' counts (linear interpolation, as pandas' Series.quantile). */
  cutoff: number;
  distinctPrompts: number;
  /** The prompts above the cutoff, most frequent first: how often each was asked and how many were kept. */
  highFrequency: { prompt: string; count: number; kept: number }[];
  removedVotes: number;
}

/** pandas' default quantile (linear interpolation between order statistics). */
export function linearQuantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * FastChat's prompt de-duplication (deduplication.py): count each prompt (FastChat's key: the user turns, each
 * followed by a newline, cut to 10,000 characters; see `dedupPromptKey`), take the `percentile` quantile of
 * the counts, and of every prompt asked more often than that keep a random int(cutoff) of its votes. Votes
 * without a prompt (imported battles that carry none) are neither counted nor removed. Each vote gets FastChat's
 * `dedup_tag`; the kept votes are those sampled, in order.
 */
export function dedupPrompts<T>(
  votes: readonly T[],
  promptOf: (vote: T) => string,
  options: DedupOptions = {},
): { kept: T[]; tags: DedupTag[]; report: DedupReport } {
  const percentile = options.percentile ?? 0.9999;
  const groups = new Map<string, number[]>();
  votes.forEach((vote, i) => {
    const prompt = promptOf(vote);
    if (!prompt) return;
    let list = groups.get(prompt);
    if (!list) groups.set(prompt, (list = []));
    list.push(i);
  });
  const counts = Float64Array.from([...groups.values()].map((g) => g.length)).sort();
  const cutoff = linearQuantile(counts, percentile);
  const tags: DedupTag[] = votes.map(() => ({ high_freq: false, sampled: true }));
  const random = seededRandom(options.seed ?? 42);
  const highFrequency: DedupReport['highFrequency'] = [];
  const keep = Math.floor(cutoff);
  for (const [prompt, indices] of groups) {
    if (!(indices.length > cutoff)) continue;
    // A uniform sample of `keep` of them (partial Fisher-Yates).
    const pool = [...indices];
    for (let j = 0; j < keep; j++) {
      const r = j + Math.floor(random() * (pool.length - j));
      [pool[j], pool[r]] = [pool[r]!, pool[j]!];
    }
    const chosen = new Set(pool.slice(0, keep));
    for (const i of indices) tags[i] = { high_freq: true, sampled: chosen.has(i) };
    highFrequency.push({ prompt, count: indices.length, kept: keep });
  }
  highFrequency.sort((x, y) => y.count - x.count || (x.prompt < y.prompt ? -1 : 1));
  const kept = votes.filter((_, i) => tags[i]!.sampled);
  return {
    kept,
    tags,
    report: {
      percentile,
      cutoff,
      distinctPrompts: groups.size,
      highFrequency,
      removedVotes: votes.length - kept.length,
    },
  };
}

/** FastChat's de-duplication key of a conversation: each user turn followed by a newline, cut to 10,000 characters. */
export function dedupPromptKey(userTurns: readonly string[]): string {
  const joined = userTurns.map((t) => `${t}\n`).join('');
  // Python counts code points, not UTF-16 units.
  return joined.length <= 10_000 ? joined : Array.from(joined).slice(0, 10_000).join('');
}
