import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  autoArenaCsv,
  autoArenaSvg,
  judgeBattleByExecution,
  judgeLabel,
  runAutoArena,
  scoreAutoArena,
  verdictLabel,
  type BattleForJudging,
  type AutoAnswer,
  type AutoPrompt,
  type CompleteFn,
} from '@arena/judge';
import { extractCode } from '@arena/sandboxes';
import { AutoArenaRuns } from '../autoarena-runs.js';
import type { ArenaConfig } from '../../config/config.js';
import { judgeCompleter, loadJudgesFile } from '../../judges/judges-file.js';
import { loadModelsFile } from '../../models/models-file.js';
import { createProvider } from '../../models/provider-factory.js';
import type { ModelProvider } from '../../models/providers/provider.js';
import type { ReplayIndex } from '../../models/providers/replay-index.js';
import { createSandboxRegistry } from '../../sandboxes/sandbox-registry.factory.js';
import { progressBar } from '../progress.js';
import { spread } from '../round-robin.js';
import { UsageError } from '../usage.js';

async function readPrompts(file: string): Promise<AutoPrompt[]> {
  const out: AutoPrompt[] = [];
  let line = 0;
  try {
    for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      line++;
      if (!text.trim()) continue;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new UsageError(`${file}:${line}: not JSON`);
      }
      const uid = row['uid'] ?? row['question_id'];
      const instruction = row['instruction'] ?? row['prompt'];
      if (typeof uid !== 'string' || typeof instruction !== 'string' || !instruction.trim())
        throw new UsageError(`${file}:${line}: a prompt needs uid and instruction`);
      out.push({ uid, instruction, category: typeof row['category'] === 'string' ? row['category'] : 'uncategorized' });
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return out;
}

/**
 * `arena autoarena`: the AutoCodeArena benchmark on the arena's own providers, sandboxes and judges.
 * Results go to `--out` (answers.jsonl and games.jsonl as they finish, then results.json, results.csv,
 * chart.svg); running the same command again resumes where it stopped.
 */
export async function autoarena(args: string[], config: ArenaConfig): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    // `--prompts a.jsonl b.jsonl …`: the files after the flag arrive as positionals.
    allowPositionals: true,
    options: {
      prompts: { type: 'string', multiple: true },
      models: { type: 'string' },
      baseline: { type: 'string' },
      judge: { type: 'string', default: 'execution' },
      out: { type: 'string', default: 'autoarena-out' },
      limit: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '42' },
    },
    strict: true,
  });
  const promptFiles = [...(values.prompts ?? []), ...positionals];
  if (!values.prompts?.length) throw new UsageError('--prompts FILE (one or more) is required');
  if (!values.models) throw new UsageError('--models FILE is required');
  if (!values.baseline) throw new UsageError('--baseline MODEL_ID is required');
  const integer = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer`);
    return n;
  };
  const limit = integer('--limit', values.limit);
  const concurrency = integer('--concurrency', values.concurrency) ?? 4;
  const seed = Number(values.seed);

  const prompts = spread((await Promise.all(promptFiles.map(readPrompts))).flat(), limit, (p) => p.category);
  if (prompts.length === 0) throw new UsageError('no prompts in the given files');
  let specs;
  try {
    specs = await loadModelsFile(values.models);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  if (!specs.some((s) => s.id === values.baseline))
    throw new UsageError(
      `--baseline ${values.baseline} is not in ${values.models} (${specs.map((s) => s.id).join(', ')})`,
    );
  const replayIndexes = new Map<string, Promise<ReplayIndex>>();
  const providers = new Map<string, ModelProvider>();
  for (const spec of specs) providers.set(spec.id, await createProvider(spec, replayIndexes));

  let complete: CompleteFn | undefined;
  let vision = false;
  if (values.judge !== 'execution') {
    const judges = config.judges.file ? await loadJudgesFile(config.judges.file) : [];
    const spec = judges.find((j) => j.id === values.judge);
    if (!spec) throw new UsageError(`--judge ${values.judge}: not in ARENA_JUDGES_FILE (or use execution)`);
    if (spec.provider !== 'execution') complete = await judgeCompleter(spec);
    vision = spec.vision;
  }
  // A side's picture, base64, for a vision judge (read from the answers' folder; a missing file is no picture).
  const picture = async (answer: AutoAnswer, side: 'a' | 'b'): Promise<{ a?: string; b?: string }> => {
    if (!answer.screenshot) return {};
    try {
      return { [side]: (await readFile(path.join(values.out, answer.screenshot))).toString('base64') };
    } catch {
      return {};
    }
  };

  const registry = createSandboxRegistry(config, { poolSize: Math.min(4, concurrency) });
  const runs = new AutoArenaRuns(registry, config, values.out);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await registry.warm();
    const { games } = await runAutoArena({
      prompts,
      models: specs.map((s) => s.id).filter((id) => id !== values.baseline),
      baseline: values.baseline,
      outDir: values.out,
      concurrency,
      signal: stop.signal,
      onProgress: progressBar('autoarena'),
      hasCode: (text) => {
        const x = extractCode(text);
        return !!x && x.environment !== 'none';
      },
      generate: async (model, prompt, signal) => {
        let text = '';
        await providers.get(model)!.generate({
          messages: [{ role: 'user', content: prompt.instruction }],
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.generation.timeoutMs)]),
          onText: (t) => (text += t),
        });
        return text;
      },
      execute: (text, signal, answer) => runs.execute(text, signal, answer),
      judge: async (prompt, a, b, signal) => {
        const battle: BattleForJudging = {
          id: prompt.uid,
          instruction: prompt.instruction,
          answers: { a: a.text, b: b.text },
          executions: { ...(a.run ? { a: a.run } : {}), ...(b.run ? { b: b.run } : {}) },
        };
        if (vision) {
          const screenshots = { ...(await picture(a, 'a')), ...(await picture(b, 'b')) };
          if (screenshots.a || screenshots.b) battle.screenshots = screenshots;
        }
        if (!complete) {
          const j = judgeBattleByExecution(battle);
          return { label: verdictLabel(j.verdict), raw: j.reasoning };
        }
        const { label, raw } = await judgeLabel(complete, battle, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.judges.timeoutMs)]),
          vision,
        });
        return { label, raw };
      },
    });
    if (stop.signal.aborted) {
      process.stderr.write(`autoarena: interrupted; run the same command again to resume from ${values.out}\n`);
      process.exitCode = 130;
      return;
    }
    const results = scoreAutoArena(prompts, games, values.baseline, { rounds: 100, seed });
    await mkdir(values.out, { recursive: true });
    await writeFile(path.join(values.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(values.out, 'results.csv'), autoArenaCsv(results));
    await writeFile(path.join(values.out, 'chart.svg'), autoArenaSvg(results));
    const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
    process.stdout.write(`win rate against ${values.baseline} on ${prompts.length} prompts (5–95% interval)\n`);
    for (const r of results.overall)
      process.stdout.write(`  ${r.model}  ${pct(r.winRate)}  [${pct(r.low)}, ${pct(r.high)}]\n`);
    for (const [category, rows] of Object.entries(results.byCategory))
      process.stdout.write(`${category}: ${rows.map((r) => `${r.model} ${pct(r.winRate)}`).join(', ')}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runs.close();
    await registry.close();
  }
}
