import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { agreement } from '@arena/judge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');

function arena(args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('arena reward', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-reward-'));
    // Votes in BigCodeReward's vocabulary as CSV; judgements in the arena's as JSON lines.
    await writeFile(
      path.join(dir, 'votes.csv'),
      'chat_session_id,human_vote,category_name\ns1,vote_model_A,web\ns2,vote_model_B,web\ns3,vote_both_bad,games\ns4,vote_tie,games\ns5,vote_model_A,games\n',
    );
    await writeFile(
      path.join(dir, 'judgements.jsonl'),
      [
        ['s1', 'with_execution', 'A'],
        ['s2', 'with_execution', 'B'],
        ['s3', 'with_execution', 'tie'],
        ['s4', 'with_execution', 'tie'],
        ['s1', 'without_execution', 'vote_right'],
        ['s2', 'without_execution', 'vote_right'],
        ['s9', 'without_execution', 'vote_tie'],
      ]
        .map(([id, mode, verdict]) => JSON.stringify({ chat_session_id: id, judge: 'judge-x', mode, verdict }))
        .join('\n'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports BigCodeReward agreement per judge and mode as JSON, with the rows left out', () => {
    const run = arena([
      'reward',
      '--votes',
      path.join(dir, 'votes.csv'),
      '--judgements',
      path.join(dir, 'judgements.jsonl'),
      '--format',
      'json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      judges: {
        judge: string;
        mode: string;
        n: number;
        fourClass: { accuracy: number };
        threeClass: { accuracy: number };
        byCategory: Record<string, { n: number }>;
      }[];
      leftOut: { votesWithoutJudgement: number; judgementsWithoutVote: number };
    };
    expect(report.leftOut).toEqual({ votesWithoutJudgement: 1, judgementsWithoutVote: 1 });
    expect(report.judges.map((j) => [j.mode, j.n])).toEqual([
      ['with_execution', 4],
      ['without_execution', 2],
    ]);
    expect(report.judges[0]!.fourClass).toEqual(agreement(['A', 'B', 'both_bad', 'tie'], ['A', 'B', 'tie', 'tie']));
    expect(report.judges[0]!.threeClass.accuracy).toBe(1);
    expect(report.judges[0]!.byCategory['games']!.n).toBe(2);
    const table = arena([
      'reward',
      '--votes',
      path.join(dir, 'votes.csv'),
      '--judgements',
      path.join(dir, 'judgements.jsonl'),
    ]);
    expect(table.stdout).toContain('judge-x  with_execution  4  75.0%');
  });

  it('exits 2 with the file, line and field of a bad row', async () => {
    await writeFile(
      path.join(dir, 'bad.jsonl'),
      '{"chat_session_id":"s1","judge":"j","mode":"with_execution","verdict":"A"}\n{"chat_session_id":"s2","judge":"j","mode":"sometimes","verdict":"A"}\n',
    );
    const run = arena(['reward', '--votes', path.join(dir, 'votes.csv'), '--judgements', path.join(dir, 'bad.jsonl')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^arena: .*bad\.jsonl:2: mode must be with_execution or without_execution/);
    expect(arena(['reward', '--votes', path.join(dir, 'votes.csv')]).status).toBe(2);
  });
});
