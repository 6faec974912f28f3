import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiKeyEnv, ConfigId, ModelSpec } from '@arena/contracts';
import { z } from 'zod';

// The entry schema is the contract's: `POST /api/admin/models` takes the same entries.
export { ApiKeyEnv, ConfigId, ModelSpec };

export const ModelsFile = z
  .array(ModelSpec)
  .min(2, 'at least two models are needed for a battle')
  .superRefine((models, ctx) => {
    const seen = new Set<string>();
    models.forEach((m, i) => {
      if (seen.has(m.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate model id ${m.id}` });
      seen.add(m.id);
    });
  });

export const DEMO_MODELS: ModelSpec[] = [
  {
    id: 'demo-atlas',
    name: 'Demo Atlas (scripted, TypeScript)',
    provider: 'demo',
    style: 'typescript',
    weight: 1,
    tokensPerSecond: 120,
  },
  {
    id: 'demo-breeze',
    name: 'Demo Breeze (scripted, JavaScript)',
    provider: 'demo',
    style: 'javascript',
    weight: 1,
    tokensPerSecond: 90,
  },
  {
    id: 'demo-cobalt',
    name: 'Demo Cobalt (scripted, Python)',
    provider: 'demo',
    style: 'python',
    weight: 1,
    tokensPerSecond: 100,
  },
  {
    id: 'demo-ember',
    name: 'Demo Ember (scripted, React)',
    provider: 'demo',
    style: 'react',
    weight: 1,
    tokensPerSecond: 110,
  },
  {
    id: 'demo-dizzy',
    name: 'Demo Dizzy (scripted, sloppy on purpose)',
    provider: 'demo',
    style: 'sloppy',
    weight: 1,
    tokensPerSecond: 150,
  },
];

/** Read a models file (YAML or JSON); relative file paths in it are relative to the file itself. */
export async function loadModelsFile(file: string): Promise<ModelSpec[]> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`ARENA_MODELS_FILE ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { models?: unknown } | null)?.models;
  const parsed = ModelsFile.safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`ARENA_MODELS_FILE ${file}: models.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const dir = path.dirname(file);
  return parsed.data.map((spec) => ({
    ...spec,
    ...(spec.answersFile ? { answersFile: path.resolve(dir, spec.answersFile) } : {}),
    ...(spec.questionsFile ? { questionsFile: path.resolve(dir, spec.questionsFile) } : {}),
  }));
}
