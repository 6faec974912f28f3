import { z } from 'zod';
import { BattleId } from './battle.js';

/** An id of a model or a judge, as kept in the database and the data sets. */
export const ConfigId = z.string().regex(/^[\w.:/-]{1,128}$/, 'id: letters, digits and . _ : / - only, at most 128');
/** The name of the environment variable that holds an API key (the key itself is never configured). */
export const ApiKeyEnv = z.string().regex(/^[A-Z_][A-Z0-9_]*$/);

const DemoStyle = z.enum(['javascript', 'typescript', 'python', 'react', 'sloppy']);

/**
 * One entry of the models file (`ARENA_MODELS_FILE`), and the body of `POST /api/admin/models`: one schema
 * for both, so a model added by an operator is checked exactly as one read from the file.
 */
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
/** A models-file entry as written (weight may be left out). */
export type ModelSpecInput = z.input<typeof ModelSpec>;

/** Where an arena model is defined: the models file (or the built-in demo models), or added by an operator. */
export const ModelSource = z.enum(['file', 'database']);
export type ModelSource = z.infer<typeof ModelSource>;

/** `GET /api/admin/models`: every model the arena can draw, enabled or not. */
export const AdminModel = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  enabled: z.boolean(),
  /** The weight the pair sampler uses: the operator's, else the models file's. */
  weight: z.number(),
  source: ModelSource,
});
export type AdminModel = z.infer<typeof AdminModel>;

/** `PATCH /api/admin/models/:id`. */
export const AdminModelPatch = z
  .strictObject({
    enabled: z.boolean().optional(),
    weight: z.number().positive('weight must be above 0 (disable the model instead)').max(1_000_000).optional(),
  })
  .refine((patch) => patch.enabled !== undefined || patch.weight !== undefined, 'give enabled, weight or both');
export type AdminModelPatch = z.infer<typeof AdminModelPatch>;

/** A voter as the data sets name them: `HMAC-SHA256(salt, voter id)`, first 128 bits, hex. */
export const VoterHash = z.string().regex(/^[0-9a-f]{32}$/, 'voterHash must be 32 lowercase hex characters');

export const AdminBattleRef = z.strictObject({ battleId: BattleId });
export const AdminVoterRef = z.strictObject({ voterHash: VoterHash });
export const AdminSessionRef = z.strictObject({
  sessionId: z.uuid({ message: 'sessionId must be a session id (a UUID)' }),
});
export const AdminModelRef = z.strictObject({ id: ConfigId });

export const AdminSessionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AdminSessionsQuery = z.infer<typeof AdminSessionsQuery>;

export interface AdminHideResult {
  battleId: string;
  /** When it was hidden (the first time, for a battle hidden again). */
  hiddenAt: string;
}

/** A hidden battle shown again. */
export interface AdminShowResult {
  battleId: string;
  hidden: false;
}

/** A ban lifted: the voter's votes count again, and they may start battles and vote. */
export interface AdminUnbanResult {
  voterHash: string;
  banned: false;
  /** The voter's votes that count again. */
  votes: number;
}

export interface AdminBanResult {
  voterHash: string;
  bannedAt: string;
  /** The voter's votes that no longer count (leaderboard, data sets). */
  votes: number;
}

export interface AdminSession {
  sessionId: string;
  title: string;
  joinCode: string;
  createdAt: string;
  endedAt: string | null;
  /** Participants not removed. */
  participants: number;
  battles: number;
  currentBattleId: string | null;
}

export interface AdminSessionEndResult {
  sessionId: string;
  endedAt: string;
  /** The battle whose open vote the end closed, if any. */
  closedBattleId?: string;
}

/** `GET /api/admin/load`: this process's live work, and the arena's recent activity from the database. */
export interface AdminLoad {
  at: string;
  process: {
    liveBattles: { generating: number; running: number; voting: number };
    /** Sides whose code is running now (answers' runs and re-runs). */
    runsInProgress: number;
    sockets: number;
    /** Spectators of the battles this process holds. */
    watchers: number;
  };
  arena: {
    battlesLastHour: number;
    votesLastHour: number;
    /** Sessions created in the last 24 hours and not ended. */
    sessionsLastDay: number;
    hiddenBattles: number;
    bannedVoters: number;
  };
}
