import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const DemoStyle = z.enum(['javascript', 'typescript', 'python', 'react', 'sloppy']);

/** An id of a model or a judge, as kept in the database and the data sets. */
export const ConfigId = z.string().regex(/^[\w.:/-]{1,128}$/, 'id: letters, digits and . _ : / - only, at most 128');
/** The name of the environment variable that holds an API key (the key itself is never configured). */
export const ApiKeyEnv = z.string().regex(/^[A-Z_][A-Z0-9_]*$/);

export const ModelSpec = z
  .strictObject({
    id: ConfigId,
    name: z.string().min(1).max(200),
    provider: z.enum(['openai', 'anthropic', 'replay', 'demo']),
    model: z.string().min(1).optional(),
    baseUrl: z.url().optional(),
    apiKeyEnv: ApiKeyEnv.optional(),
    weight: z.number().positive().default(1),
    answersFile: z.string().min(1).optional(),
    questionsFile: z.string().min(1).optional(),
    tokensPerSecond: z.number().positive().max(100_000).optional(),
    style: DemoStyle.optional(),
    /**
     * The model's context window in tokens: a follow-up whose conversation would not fit (estimated at four
     * characters a token, with room left for the answer) ends that side with a neutral error instead.
     */
    contextTokens: z.number().int().positive().optional(),
  })
  .superRefine((spec, ctx) => {
    const need = (field: keyof typeof spec, why: string): void => {
      if (spec[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required: ${why}` });
    };
    if (spec.provider === 'anthropic') need('model', 'an anthropic model needs the model name');
    if (spec.provider === 'openai') {
      need('model', 'an openai model needs the remote model name');
      need('baseUrl', 'an openai model needs the endpoint URL');
    }
    if (spec.provider === 'replay') {
      need('answersFile', 'a replay model needs its model_answer JSONL file');
      need('questionsFile', 'a replay model needs the matching question.jsonl');
    }
    if (spec.provider === 'demo')
      need('style', 'a demo model needs a style (javascript, typescript, python, react, sloppy)');
  });
export type ModelSpec = z.infer<typeof ModelSpec>;

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
