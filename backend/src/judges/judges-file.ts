import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { CompleteFn } from '@arena/judge';
import { z } from 'zod';
import { ApiKeyEnv, ConfigId } from '../models/models-file.js';
import { createProvider } from '../models/provider-factory.js';

/**
 * A judge, configured like a model: `execution` needs no model (the execution-grounded judge); `openai` and
 * `anthropic` call a model through the same providers as battles. `modes` says which prompt modes it runs.
 */
export const JudgeSpec = z
  .strictObject({
    id: ConfigId,
    provider: z.enum(['execution', 'openai', 'anthropic']),
    model: z.string().min(1).optional(),
    baseUrl: z.url().optional(),
    apiKeyEnv: ApiKeyEnv.optional(),
    modes: z
      .array(z.enum(['with_execution', 'without_execution']))
      .min(1)
      .default(['with_execution', 'without_execution']),
    retries: z.number().int().min(0).max(5).default(2),
    maxTokens: z.number().int().positive().max(32_000).default(2_048),
    /** The model reads pictures: its with-execution prompt shows both sides' screenshots (in both orders). */
    vision: z.boolean().default(false),
  })
  .superRefine((spec, ctx) => {
    if (spec.provider !== 'execution' && !spec.model)
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'required: an LLM judge needs the model name' });
    if (spec.provider === 'openai' && !spec.baseUrl)
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'required: an openai judge needs the endpoint URL' });
  });
export type JudgeSpec = z.infer<typeof JudgeSpec>;

export const JudgesFile = z.array(JudgeSpec).superRefine((judges, ctx) => {
  const seen = new Set<string>();
  judges.forEach((j, i) => {
    if (seen.has(j.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate judge id ${j.id}` });
    seen.add(j.id);
  });
});

/** Without a judges file the arena runs the execution-grounded judge only (offline, no model). */
export const DEFAULT_JUDGES: JudgeSpec[] = [
  { id: 'execution', provider: 'execution', modes: ['with_execution'], retries: 0, maxTokens: 1, vision: false },
];

export async function loadJudgesFile(file: string): Promise<JudgeSpec[]> {
  const text = await readFile(file, 'utf8');
  const raw: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  const parsed = JudgesFile.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** An LLM judge's model as a completion function, through the same providers as battles. */
export async function judgeCompleter(spec: JudgeSpec): Promise<CompleteFn> {
  if (spec.provider === 'execution') throw new Error(`judge ${spec.id} needs no model`);
  const provider = await createProvider(
    {
      id: spec.id,
      name: spec.id,
      provider: spec.provider,
      model: spec.model!,
      ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
      ...(spec.apiKeyEnv ? { apiKeyEnv: spec.apiKeyEnv } : {}),
      weight: 1,
    },
    new Map(),
  );
  return async (messages, signal) => {
    let text = '';
    await provider.generate({ messages, signal, maxTokens: spec.maxTokens, onText: (t) => (text += t) });
    return text;
  };
}
