import { appendFile, mkdir, readFile } from 'node:fs/promises';
import type { AutoArenaRun, AutoArenaScore, RunStatus } from '@arena/contracts';
import path from 'node:path';
import { aggregate, bootstrapRatings, fitBradleyTerry, quantile, toRatings, type BattleRow } from '@arena/ranking';
import type { PairwiseLabel } from './verdict.js';

/** One AutoCodeArena prompt (`bigcode/autocodearena-v0`). */
export interface AutoPrompt {
  uid: string;
  instruction: string;
  category: string;
}

export interface AutoRun {
  status: RunStatus;
  stdout: string;
  stderr: string;
  exitCode?: number | null;
  /** The run rendered something (a page, an app, a display) whose screenshot is not blank. */
  rendered?: boolean;
}

/** A model's answer to a prompt, with its extracted code and what that code did. */
export interface AutoAnswer {
  uid: string;
  model: string;
  text: string;
  attempts: number;
  environment?: string;
  run?: AutoRun;
  /**
   * What the run rendered (a web page, an app's first page, a display's first frame), as a JPEG of at most
   * 1024×768 beside the answers: its path relative to the output folder (`screenshots/<name>.jpg`).
   */
  screenshot?: string;
  error?: string;
}

/**
 * One judged game of a model against the baseline. Game 1 shows the baseline as A, game 2 the model as A;
 * `label` is Arena-Hard's, in the order shown.
 */
export interface AutoGame {
  uid: string;
  model: string;
  game: 1 | 2;
  label: PairwiseLabel;
  raw: string;
}

/** A model's win rate against the baseline with its 5–95% bootstrap interval (`contracts`' shape). */
export type AutoScore = AutoArenaScore;

/** Win rates overall and per category: what `GET /api/autoarena` serves for a run, less its name and time. */
export type AutoResults = Omit<AutoArenaRun, 'name' | 'updatedAt'>;

/** How many times each outcome counts, from the model's side: a strong preference counts 3. */
function outcomes(game: AutoGame): { winner: 'model' | 'baseline' | 'tie'; weight: number } {
  const modelShownAs = game.game === 1 ? 'B' : 'A';
  if (game.label === 'A=B') return { winner: 'tie', weight: 1 };
  const favoured = game.label.startsWith('A') ? 'A' : 'B';
  const weight = game.label.includes('>>') ? 3 : 1;
  return { winner: favoured === modelShownAs ? 'model' : 'baseline', weight };
}

function score(games: readonly AutoGame[], baseline: string, rounds: number, seed: number): AutoScore[] {
  const rows: BattleRow[] = [];
  for (const game of games) {
    const { winner, weight } = outcomes(game);
    const row: BattleRow = {
      model_a: game.model,
      model_b: baseline,
      winner: winner === 'model' ? 'model_a' : winner === 'baseline' ? 'model_b' : 'tie',
    };
    for (let i = 0; i < weight; i++) rows.push(row);
  }
  if (rows.length === 0) return [];
  const counts = aggregate(rows, [baseline]);
  const anchor = { index: counts.models.indexOf(baseline), rating: 1000 };
  const { strengths } = fitBradleyTerry(counts);
  const ratings = toRatings(strengths, anchor);
  const winRate = (rating: number): number => 1 / (1 + 10 ** ((1000 - rating) / 400));
  const { samples } = bootstrapRatings(counts, strengths, rounds, seed, anchor);
  const { n } = counts;
  return counts.models
    .map((model, i) => ({ model, i }))
    .filter(({ model }) => model !== baseline)
    .map(({ model, i }) => {
      const column = Float64Array.from({ length: rounds }, (_, r) => winRate(samples[r * n + i]!)).sort();
      return {
        model,
        winRate: winRate(ratings[i]!),
        low: quantile(column, 0.05),
        high: quantile(column, 0.95),
        rating: ratings[i]!,
        games: rows.filter((r) => r.model_a === model).length,
      };
    })
    .sort((a, b) => b.winRate - a.winRate);
}

/** Win rates against the baseline, overall and per category, with 5–95% bootstrap intervals. */
export function scoreAutoArena(
  prompts: readonly AutoPrompt[],
  games: readonly AutoGame[],
  baseline: string,
  options: { rounds?: number; seed?: number } = {},
): AutoResults {
  const rounds = options.rounds ?? 100;
  const seed = options.seed ?? 42;
  const categoryOf = new Map(prompts.map((p) => [p.uid, p.category]));
  const categories = [...new Set(prompts.map((p) => p.category))].sort();
  return {
    baseline,
    prompts: prompts.length,
    overall: score(games, baseline, rounds, seed),
    byCategory: Object.fromEntries(
      categories.map((c) => [
        c,
        score(
          games.filter((g) => categoryOf.get(g.uid) === c),
          baseline,
          rounds,
          seed,
        ),
      ]),
    ),
  };
}

export interface AutoArenaOptions {
  prompts: readonly AutoPrompt[];
  models: readonly string[];
  baseline: string;
  /** Where answers and games are kept (JSON lines, appended as they finish): a rerun resumes from them. */
  outDir: string;
  concurrency?: number;
  /** Generations per answer until one has a code block. */
  maxAttempts?: number;
  generate: (model: string, prompt: AutoPrompt, signal: AbortSignal) => Promise<string>;
  /**
   * Extract and run the answer's code; undefined when there is nothing to run. `answer` names the answer (for
   * the file of its screenshot, returned as a path relative to `outDir`).
   */
  execute: (
    text: string,
    signal: AbortSignal,
    answer: { model: string; uid: string },
  ) => Promise<{ environment: string; run: AutoRun; screenshot?: string } | undefined>;
  hasCode: (text: string) => boolean;
  /** Judge answer A against answer B (as shown) with Arena-Hard's five labels. */
  judge: (
    prompt: AutoPrompt,
    a: AutoAnswer,
    b: AutoAnswer,
    signal: AbortSignal,
  ) => Promise<{ label: PairwiseLabel; raw: string }>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

async function readLines<T>(file: string): Promise<T[]> {
  try {
    return (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => line.trim())
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as T];
        } catch {
          return []; // a line cut by an interruption
        }
      });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Run queued tasks, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * AutoCodeArena: every model and the baseline answer every prompt (regenerated until the answer has code),
 * the code is run, and each model is judged against the baseline in both orders. Answers and games are
 * appended to `outDir` as they finish, so an interrupted run resumes without redoing finished work.
 */
export async function runAutoArena(options: AutoArenaOptions): Promise<{ answers: AutoAnswer[]; games: AutoGame[] }> {
  await mkdir(options.outDir, { recursive: true });
  const answersFile = path.join(options.outDir, 'answers.jsonl');
  const gamesFile = path.join(options.outDir, 'games.jsonl');
  const signal = options.signal ?? new AbortController().signal;
  const width = options.concurrency ?? 4;
  const key = (model: string, uid: string): string => `${model}\u0000${uid}`;
  const answers = new Map((await readLines<AutoAnswer>(answersFile)).map((a) => [key(a.model, a.uid), a]));
  const games = new Map(
    (await readLines<AutoGame>(gamesFile)).map((g) => [`${key(g.model, g.uid)}\u0000${g.game}`, g]),
  );
  const contestants = [...new Set([options.baseline, ...options.models])];
  const answerTasks = options.prompts.flatMap((p) =>
    contestants.filter((m) => !answers.has(key(m, p.uid))).map((model) => ({ model, prompt: p })),
  );
  const gameTasks = options.prompts.flatMap((p) =>
    options.models
      .filter((m) => m !== options.baseline)
      .flatMap((model) => ([1, 2] as const).map((game) => ({ model, prompt: p, game })))
      .filter((t) => !games.has(`${key(t.model, t.prompt.uid)}\u0000${t.game}`)),
  );
  const total = answerTasks.length + gameTasks.length;
  let done = 0;
  const tick = (): void => options.onProgress?.(++done, total);
  options.onProgress?.(0, total);

  await pool(answerTasks, width, async ({ model, prompt }) => {
    if (signal.aborted) return;
    let text = '';
    let attempts = 0;
    let error: string | undefined;
    const max = options.maxAttempts ?? 3;
    while (attempts < max) {
      attempts++;
      try {
        text = await options.generate(model, prompt, signal);
        error = undefined;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        continue;
      }
      if (options.hasCode(text)) break;
    }
    const executed = text ? await options.execute(text, signal, { model, uid: prompt.uid }) : undefined;
    const answer: AutoAnswer = {
      uid: prompt.uid,
      model,
      text,
      attempts,
      ...(executed ? { environment: executed.environment, run: executed.run } : {}),
      ...(executed?.screenshot ? { screenshot: executed.screenshot } : {}),
      ...(error ? { error } : {}),
    };
    if (signal.aborted) return;
    answers.set(key(model, prompt.uid), answer);
    await appendFile(answersFile, `${JSON.stringify(answer)}\n`);
    tick();
  });

  await pool(gameTasks, width, async ({ model, prompt, game }) => {
    if (signal.aborted) return;
    const mine = answers.get(key(model, prompt.uid));
    const base = answers.get(key(options.baseline, prompt.uid));
    if (!mine || !base) return;
    const [a, b] = game === 1 ? [base, mine] : [mine, base];
    const { label, raw } = await options.judge(prompt, a, b, signal);
    if (signal.aborted) return;
    const row: AutoGame = { uid: prompt.uid, model, game, label, raw };
    games.set(`${key(model, prompt.uid)}\u0000${game}`, row);
    await appendFile(gamesFile, `${JSON.stringify(row)}\n`);
    tick();
  });
  return { answers: [...answers.values()], games: [...games.values()] };
}

/** The results as CSV: one row per model, overall and per category. */
export function autoArenaCsv(results: AutoResults): string {
  const lines = ['scope,model,win_rate,low_5,high_95,rating,games'];
  const add = (scope: string, rows: AutoScore[]): void => {
    for (const r of rows)
      lines.push(
        [scope, r.model, r.winRate.toFixed(4), r.low.toFixed(4), r.high.toFixed(4), r.rating.toFixed(1), r.games]
          .map((v) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : String(v)))
          .join(','),
      );
  };
  add('overall', results.overall);
  for (const [category, rows] of Object.entries(results.byCategory)) add(category, rows);
  return `${lines.join('\n')}\n`;
}

/** A horizontal bar chart of the overall win rates with their intervals, as a standalone SVG. */
export function autoArenaSvg(results: AutoResults): string {
  const rows = results.overall;
  const width = 760;
  const left = 260;
  const rowHeight = 30;
  const height = rows.length * rowHeight + 60;
  const x = (v: number): number => left + v * (width - left - 30);
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="18" font-weight="bold">Win rate against ${esc(results.baseline)} (${results.prompts} prompts; 5–95% intervals)</text>`,
  ];
  for (const t of [0, 0.25, 0.5, 0.75, 1])
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="30" y2="${height - 25}" stroke="#ddd"/>`,
      `<text x="${x(t)}" y="${height - 8}" text-anchor="middle" fill="#666">${t * 100}%</text>`,
    );
  rows.forEach((r, i) => {
    const y = 40 + i * rowHeight;
    parts.push(
      `<text x="${left - 10}" y="${y + 14}" text-anchor="end">${esc(r.model)}</text>`,
      `<rect x="${x(0)}" y="${y + 3}" width="${x(r.winRate) - x(0)}" height="16" fill="#7c5cff" opacity="0.6"/>`,
      `<line x1="${x(r.low)}" x2="${x(r.high)}" y1="${y + 11}" y2="${y + 11}" stroke="#222" stroke-width="2"/>`,
      `<text x="${x(r.high) + 6}" y="${y + 15}" fill="#333">${(r.winRate * 100).toFixed(1)}%</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
