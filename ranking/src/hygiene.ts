import type { Outcome } from './pairwise.js';

/** A vote as the hygiene rules see it. */
export interface VoteRecord {
  model_a: string;
  model_b: string;
  winner: Outcome;
  anony: boolean;
  voter: string;
  /** Milliseconds since the epoch. */
  tstamp: number;
  prompt: string;
  /** The models' answers, searched for identity words. */
  answers: string[];
  /** Set when the identity check was already made for this vote (its answers are then not searched again). */
  revealsIdentity?: boolean;
}

export interface HygieneOptions {
  identityWords?: readonly string[];
  /** Votes kept per voter per UTC day (the first ones). */
  dailyCapPerVoter?: number;
  /** Votes kept per identical (normalised) prompt. */
  maxPerPrompt?: number;
}

export interface HygieneReport {
  input: number;
  kept: number;
  removed: { notAnonymous: number; identityRevealed: number; voterDailyCap: number; duplicatePrompt: number };
}

/** Words by which a model may reveal who made it (after FastChat's clean_battle_data list). */
export const DEFAULT_IDENTITY_WORDS = [
  'vicuna',
  'lmsys',
  'koala',
  'uc berkeley',
  'open assistant',
  'laion',
  'chatglm',
  'chatgpt',
  'gpt-4',
  'gpt-3',
  'openai',
  'anthropic',
  'claude',
  'bard',
  'palm',
  'lamda',
  'gemini',
  'google deepmind',
  'llama',
  'qianwen',
  'qwen',
  'alibaba',
  'mistral',
  'zhipu',
  'deepseek',
  'hermes',
  'cohere',
  'dbrx',
  'databricks',
];

export function identityPattern(words: readonly string[] = DEFAULT_IDENTITY_WORDS): RegExp | undefined {
  const escaped = words
    .filter((w) => w.trim())
    .map((w) =>
      w
        .trim()
        .toLowerCase()
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    );
  return escaped.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'iu') : undefined;
}

export function normalizePromptText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * A vote's normalised prompt, worked out once per vote object: a live board cleans the same votes again at
 * every refit, and NFKC normalisation is most of a vote's cleaning.
 */
const normalized = new WeakMap<VoteRecord, { prompt: string; normalized: string }>();
function normalizedPrompt(vote: VoteRecord): string {
  const known = normalized.get(vote);
  if (known && known.prompt === vote.prompt) return known.normalized;
  const value = normalizePromptText(vote.prompt);
  normalized.set(vote, { prompt: vote.prompt, normalized: value });
  return value;
}

const DAY_MS = 86_400_000;

/** The vote's UTC calendar day as a day number (an invalid time throws as `toISOString` does). */
function utcDay(tstamp: number): number {
  if (!Number.isFinite(tstamp) || Math.abs(tstamp) > 8.64e15) throw new RangeError('Invalid time value');
  return Math.floor(tstamp / DAY_MS);
}

/**
 * Chatbot Arena's cleaning before ranking, in order: anonymous battles only; drop battles whose answers
 * reveal a model's identity; at most N votes per voter per day; at most M votes per identical prompt.
 * Input order is kept (it should be time order); each rule reports how many it removed.
 */
export function cleanVotes<T extends VoteRecord>(
  votes: readonly T[],
  options: HygieneOptions = {},
): { kept: T[]; report: HygieneReport } {
  const cleaner = new VoteCleaner<T>(options);
  cleaner.add(votes);
  return { kept: cleaner.kept, report: cleaner.report() };
}

/**
 * `cleanVotes` that goes on: votes added later (in time order) are cleaned as if they had been in the first
 * list, so a live board cleans each new vote once instead of every vote at every refit.
 */
export class VoteCleaner<T extends VoteRecord> {
  readonly kept: T[] = [];
  private input = 0;
  private readonly removed = { notAnonymous: 0, identityRevealed: 0, voterDailyCap: 0, duplicatePrompt: 0 };
  private readonly perVoterDay = new Map<string, number>();
  private readonly promptCount = new Map<string, number>();
  private readonly pattern: RegExp | undefined;
  private readonly cap: number;
  private readonly perPrompt: number;

  constructor(options: HygieneOptions = {}) {
    this.pattern = identityPattern(options.identityWords ?? DEFAULT_IDENTITY_WORDS);
    this.cap = options.dailyCapPerVoter ?? Infinity;
    this.perPrompt = options.maxPerPrompt ?? Infinity;
  }

  add(votes: readonly T[]): void {
    const { pattern, cap, perPrompt, removed, perVoterDay, promptCount, kept } = this;
    this.input += votes.length;
    for (const vote of votes) {
      if (!vote.anony) {
        removed.notAnonymous += 1;
        continue;
      }
      if (vote.revealsIdentity ?? (pattern !== undefined && vote.answers.some((answer) => pattern.test(answer)))) {
        removed.identityRevealed += 1;
        continue;
      }
      // The UTC day (what toISOString().slice(0, 10) names), as a number: no Date and no string per vote.
      const day = cap === Infinity ? '' : `${vote.voter}\u0000${utcDay(vote.tstamp)}`;
      const used = cap === Infinity ? 0 : (perVoterDay.get(day) ?? 0);
      if (used >= cap) {
        removed.voterDailyCap += 1;
        continue;
      }
      const prompt = perPrompt === Infinity ? '' : normalizedPrompt(vote);
      const seen = prompt ? (promptCount.get(prompt) ?? 0) : 0;
      // An unknown prompt (imported battles without a conversation) is not a duplicate of anything.
      if (prompt && seen >= perPrompt) {
        removed.duplicatePrompt += 1;
        continue;
      }
      if (cap !== Infinity) perVoterDay.set(day, used + 1);
      if (prompt) promptCount.set(prompt, seen + 1);
      kept.push(vote);
    }
  }

  report(): HygieneReport {
    return { input: this.input, kept: this.kept.length, removed: { ...this.removed } };
  }
}
