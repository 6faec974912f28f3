import { z } from 'zod';
import { BattleStatus } from './battle.js';
import { Isolation, RunnerKind } from './environments.js';

export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({ kind: z.enum(['postgres', 'embedded']), ok: z.boolean() }),
  sandboxes: z.record(z.string(), RunnerKind),
  /** Per language: how strongly the runner that serves it isolates (`none` where nothing runs it). */
  isolation: z.record(z.string(), Isolation),
  /** Docker engines from `DOCKER_HOSTS`: reachable with the image, or why not. */
  dockerHosts: z.array(z.object({ name: z.string(), available: z.boolean(), error: z.string().optional() })),
  version: z.string(),
  protocol: z.number().int(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

export const PublicModel = z.object({ id: z.string(), name: z.string() });
export type PublicModel = z.infer<typeof PublicModel>;

export const BattleListQuery = z.strictObject({
  status: z.enum(['live', 'recent']).default('live'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type BattleListQuery = z.infer<typeof BattleListQuery>;

export const BattleListItem = z.object({
  battleId: z.string(),
  createdAt: z.string(),
  status: BattleStatus,
  promptPreview: z.string(),
  spectators: z.number().int(),
});
export type BattleListItem = z.infer<typeof BattleListItem>;

export const SamplePrompt = z.object({ title: z.string(), prompt: z.string(), category: z.string().optional() });
export type SamplePrompt = z.infer<typeof SamplePrompt>;
