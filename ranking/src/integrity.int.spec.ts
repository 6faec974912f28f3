import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dedupPromptKey, dedupPrompts, removeAnomalousVoters, type IntegrityVote } from './integrity.js';
import type { Outcome } from './pairwise.js';
import { seededRandom } from './random.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';

interface Vote extends IntegrityVote {
  prompt: string;
}

/**
 * Votes among 8 models whose strengths set who usually wins; 60 honest voters, 3 who vote for the weaker
 * model, 2 who always say tie; a few prompts asked very often, most once; one pair with only ties.
 */
function votes(seed: number): Vote[] {
  const random = seededRandom(seed);
  const models = Array.from({ length: 8 }, (_, i) => `m${i}`);
  const out: Vote[] = [];
  const voters = [
    ...Array.from({ length: 60 }, (_, i) => ({ id: `honest-${i}`, kind: 'honest' })),
    ...Array.from({ length: 3 }, (_, i) => ({ id: `contrarian-${i}`, kind: 'contrarian' })),
    ...Array.from({ length: 2 }, (_, i) => ({ id: `tier-${i}`, kind: 'tie' })),
  ];
  for (let k = 0; k < 4000; k++) {
    const voter = voters[Math.floor(random() * voters.length)]!;
    const i = Math.floor(random() * 7);
    const j = i + 1 + Math.floor(random() * (7 - i));
    const [a, b] = random() < 0.5 ? [i, j] : [j, i];
    // Higher index is stronger: it wins 85% of decided votes.
    const strongA = a > b;
    let winner: Outcome;
    if (voter.kind === 'tie') winner = 'tie';
    else if (random() < 0.1) winner = random() < 0.5 ? 'tie' : 'tie (bothbad)';
    else {
      const strongWins = random() < 0.85;
      const aWins = voter.kind === 'contrarian' ? !strongA : strongWins === strongA;
      winner = aWins ? 'model_a' : 'model_b';
    }
    const r = random();
    const prompt = r < 0.05 ? 'hello' : r < 0.08 ? 'write fizzbuzz in python' : r < 0.1 ? '' : `prompt ${k}`;
    out.push({ model_a: models[a]!, model_b: models[b]!, winner, voter: voter.id, prompt });
  }
  // A pair nobody decided: its voter's p-values are NaN from then on.
  for (let k = 0; k < 6; k++) out.push({ model_a: 'x', model_b: 'y', winner: 'tie', voter: 'only-ties', prompt: '' });
  return out;
}

function reference(battles: Vote[], alpha: number, percentile: number) {
  const input = JSON.stringify({
    battles: battles.map((v) => ({ ...v, judge: v.voter })),
    alpha,
    percentile,
  });
  const run = spawnSync(PYTHON, [path.join(here, '../test/integrity_reference.py')], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`reference failed (Debian's python3-pandas is needed): ${run.stderr}`);
  return JSON.parse(run.stdout) as {
    flagged: Record<string, number>;
    cutoff: number;
    high_freq: Record<string, number>;
    keep: number;
  };
}

describe('vote integrity against a pandas/NumPy reference of FastChat', () => {
  it.each([
    { seed: 1, percentile: 0.9999, alpha: 0.05 },
    { seed: 2, percentile: 0.99, alpha: 0.01 },
  ])('flags the same voters and samples the same prompts (seed $seed)', ({ seed, percentile, alpha }) => {
    const data = votes(seed);
    const theirs = reference(data, alpha, percentile);

    const anomaly = removeAnomalousVoters(data, { alpha });
    const ours = Object.fromEntries(anomaly.report.flagged.map((f) => [f.voter, f.testedVotes]));
    expect(ours).toEqual(theirs.flagged);
    // The planted contrarians are caught; most honest voters are not.
    for (let i = 0; i < 3; i++) expect(ours).toHaveProperty(`contrarian-${i}`);
    expect(Object.keys(ours).filter((v) => v.startsWith('honest')).length).toBeLessThan(6);
    expect(ours).not.toHaveProperty('only-ties');
    const removed = data.filter((v) => v.voter in ours).length;
    expect(anomaly.report.removedVotes).toBe(removed);
    expect(anomaly.kept).toHaveLength(data.length - removed);

    const dedup = dedupPrompts(data, (v) => v.prompt, { percentile });
    expect(dedup.report.cutoff).toBeCloseTo(theirs.cutoff, 9);
    expect(Object.fromEntries(dedup.report.highFrequency.map((h) => [h.prompt, h.count]))).toEqual(theirs.high_freq);
    expect(Object.keys(theirs.high_freq).length).toBeGreaterThan(0);
    for (const h of dedup.report.highFrequency) {
      expect(h.kept).toBe(theirs.keep);
      const tagged = dedup.tags.filter((_, i) => data[i]!.prompt === h.prompt);
      expect(tagged.every((t) => t.high_freq)).toBe(true);
      expect(tagged.filter((t) => t.sampled)).toHaveLength(theirs.keep);
    }
    const removedPrompts = Object.values(theirs.high_freq).reduce((s, c) => s + c - theirs.keep, 0);
    expect(dedup.report.removedVotes).toBe(removedPrompts);
    // Votes without a prompt are never removed.
    expect(dedup.kept.filter((v) => !v.prompt)).toHaveLength(data.filter((v) => !v.prompt).length);
  });

  it('keys a conversation as FastChat does: user turns each with a newline, 10,000 code points', () => {
    expect(dedupPromptKey(['a', 'b'])).toBe('a\nb\n');
    const long = '😀'.repeat(10_005);
    expect(Array.from(dedupPromptKey([long]))).toHaveLength(10_000);
  });
});
