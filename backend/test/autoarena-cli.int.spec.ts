import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, REPO_ROOT, sharedData, startTestArena } from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
const SUITE = 'arena autoarena on the real AutoCodeArena prompts';
const shared = sharedData(SUITE, ['autocodearena-v0']);
const PROMPTS = path.join(shared.dir, 'autocodearena-v0');
const LIMIT = 54;
const MODELS = [
  { id: 'demo-atlas', name: 'Demo Atlas', provider: 'demo', style: 'typescript', tokensPerSecond: 100_000 },
  { id: 'demo-dizzy', name: 'Demo Dizzy', provider: 'demo', style: 'sloppy', tokensPerSecond: 100_000 },
  { id: 'demo-breeze', name: 'Demo Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 100_000 },
];

const lines = async (file: string): Promise<string[]> =>
  existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean) : [];

describe.skipIf(shared.missing)(SUITE, () => {
  let dir: string;
  let out: string;
  let args: string[];
  const env = {
    ...process.env,
    LOG_LEVEL: 'error',
    DOCKER_HOSTS: 'none',
    ARENA_RUN_CPU_MS: '1000',
    ARENA_RUN_WALL_MS: '2000',
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-autoarena-'));
    out = path.join(dir, 'out');
    await writeFile(path.join(dir, 'models.json'), JSON.stringify(MODELS));
    const files = [
      'creative_coding',
      'diagram_creation',
      'game_development',
      'problem_solving',
      'scientific_computing',
      'web_design',
    ].map((c) => path.join(PROMPTS, `${c}.jsonl`));
    args = [
      CLI,
      'autoarena',
      '--prompts',
      ...files,
      '--models',
      path.join(dir, 'models.json'),
      '--baseline',
      'demo-breeze',
      '--limit',
      String(LIMIT),
      '--out',
      out,
      '--concurrency',
      '2',
    ];
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is killed mid-run, resumes without redoing finished work, and reports win rates per category', async () => {
    // First run: killed outright part-way through the answers.
    const first = spawn(process.execPath, args, { env, stdio: 'ignore' });
    const gamesFile = path.join(out, 'games.jsonl');
    const answersFile = path.join(out, 'answers.jsonl');
    for (let i = 0; i < 1_200 && (await lines(answersFile)).length < 40; i++)
      await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const answersBefore = (await lines(answersFile)).filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
    const gamesBefore = await lines(gamesFile);
    expect(answersBefore.length).toBeGreaterThanOrEqual(40);
    expect(answersBefore.length).toBeLessThan(LIMIT * 3);

    const second = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 300_000 });
    expect(second.status, second.stderr).toBe(0);
    const answersAfter = await lines(answersFile);
    const gamesAfter = await lines(gamesFile);
    // Nothing finished was redone: the first run's lines are still there, and nothing is there twice.
    expect(answersAfter.slice(0, answersBefore.length)).toEqual(answersBefore);
    const answerKeys = answersAfter.flatMap((l) => {
      try {
        const a = JSON.parse(l) as { model: string; uid: string };
        return [`${a.model}/${a.uid}`];
      } catch {
        return [];
      }
    });
    expect(new Set(answerKeys).size).toBe(LIMIT * 3);
    expect(answerKeys).toHaveLength(LIMIT * 3);
    expect(gamesAfter.slice(0, gamesBefore.length)).toEqual(
      gamesBefore.filter((l) => {
        try {
          JSON.parse(l);
          return true;
        } catch {
          return false;
        }
      }),
    );
    const keys = gamesAfter.map((l) => {
      const g = JSON.parse(l) as { model: string; uid: string; game: number };
      return `${g.model}/${g.uid}/${g.game}`;
    });
    expect(new Set(keys).size).toBe(LIMIT * 4);
    expect(gamesAfter).toHaveLength(LIMIT * 4);

    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as {
      prompts: number;
      overall: { model: string; winRate: number; low: number; high: number }[];
      byCategory: Record<string, { model: string; winRate: number }[]>;
    };
    expect(results.prompts).toBe(LIMIT);
    expect(Object.keys(results.byCategory)).toHaveLength(6);
    for (const rows of Object.values(results.byCategory))
      expect(rows.map((r) => r.model).sort()).toEqual(['demo-atlas', 'demo-dizzy']);
    const dizzy = results.overall.find((r) => r.model === 'demo-dizzy')!;
    const atlas = results.overall.find((r) => r.model === 'demo-atlas')!;
    // The sloppy model's code fails; the baseline's runs: it loses.
    expect(dizzy.winRate).toBeLessThan(atlas.winRate);
    expect(dizzy.low).toBeLessThanOrEqual(dizzy.winRate);
    expect(dizzy.high).toBeGreaterThanOrEqual(dizzy.winRate);
    expect(second.stdout).toMatch(/win rate against demo-breeze on 54 prompts/);
    expect(await readFile(path.join(out, 'results.csv'), 'utf8')).toMatch(
      /^scope,model,win_rate,low_5,high_95,rating,games\n/,
    );
    expect(await readFile(path.join(out, 'chart.svg'), 'utf8')).toContain('<svg');

    // The arena shows the runs kept in its AutoCodeArena folder.
    const arena = await startTestArena({ database: 'embedded', env: { ARENA_AUTOARENA_DIR: dir } });
    try {
      const runs = await getJson<{ name: string; baseline: string; prompts: number; overall: { model: string }[] }[]>(
        `${arena.url}/api/autoarena`,
      );
      expect(runs.body).toHaveLength(1);
      expect(runs.body[0]).toMatchObject({ name: 'out', baseline: 'demo-breeze', prompts: LIMIT });
      expect(runs.body[0]!.overall.map((r) => r.model).sort()).toEqual(['demo-atlas', 'demo-dizzy']);
    } finally {
      await arena.stop();
    }
  }, 600_000);

  it('refuses bad input with a one-line reason', () => {
    const run = spawnSync(
      process.execPath,
      [
        CLI,
        'autoarena',
        '--prompts',
        path.join(PROMPTS, 'web_design.jsonl'),
        '--models',
        path.join(dir, 'models.json'),
        '--baseline',
        'nobody',
      ],
      { env, encoding: 'utf8' },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--baseline nobody is not in/);
  });
});
