import path from 'node:path';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from '../common/client-address.js';

const Port = z.coerce.number().int().min(0).max(65_535);
const Millis = z.coerce.number().int().positive();

const EnvSchema = z.object({
  PORT: Port.default(3001),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.url({ message: 'DATABASE_URL must be a postgres:// URL' }).optional(),
  ARENA_DATA_DIR: z.string().min(1).default('./data'),
  ARENA_MODELS_FILE: z.string().min(1).optional(),
  ARENA_UI_DIR: z.string().min(1).optional(),
  ARENA_SAMPLE_PROMPTS_FILE: z.string().min(1).optional(),
  ARENA_SANDBOX_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  DOCKER_HOSTS: z.string().min(1).default('unix:///var/run/docker.sock'),
  ARENA_SANDBOX_IMAGE: z.string().min(1).default('arena-sandbox:latest'),
  ARENA_SANDBOX_POOL: z.coerce.number().int().min(0).max(64).default(2),
  ARENA_SANDBOX_REUSE: z.enum(['on', 'off']).default('on'),
  ARENA_PYODIDE: z.enum(['on', 'off']).default('on'),
  ARENA_RUN_PROCESSES: z.coerce.number().int().min(4).max(4_096).default(64),
  ARENA_JUDGES_FILE: z.string().min(1).optional(),
  ARENA_AUTOARENA_DIR: z.string().min(1).optional(),
  ARENA_JUDGE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  ARENA_JUDGE_TIMEOUT_MS: Millis.default(120_000),
  ARENA_RUN_WALL_MS: Millis.default(10_000),
  ARENA_RUN_CPU_MS: Millis.default(5_000),
  ARENA_RUN_MEMORY_MB: z.coerce.number().int().min(8).max(4_096).default(128),
  ARENA_RUN_OUTPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(64 * 1024),
  ARENA_GEN_TIMEOUT_MS: Millis.default(180_000),
  ARENA_GEN_IDLE_TIMEOUT_MS: Millis.default(30_000),
  ARENA_MAX_ANSWER_CHARS: z.coerce.number().int().min(1_000).max(10_000_000).default(100_000),
  ARENA_DELTA_INTERVAL_MS: z.coerce.number().int().min(0).max(1_000).default(30),
  ARENA_IDENTITY_WORDS: z.string().optional(),
  ARENA_DATASET_LICENSE: z.string().min(1).max(64).default('cc-by-4.0'),
  ARENA_EXPORT_WORKERS: z.coerce.number().int().min(0).max(64).default(2),
  ARENA_EXPORT_NICE: z.coerce.number().int().min(0).max(19).default(10),
  ARENA_VOTER_SALT: z.string().min(16, 'ARENA_VOTER_SALT must be at least 16 characters').optional(),
  ARENA_ADMIN_TOKEN: z
    .string()
    .min(16, 'ARENA_ADMIN_TOKEN must be at least 16 characters (unset: no admin API)')
    .max(512, 'ARENA_ADMIN_TOKEN must be at most 512 characters')
    .regex(/^[\x21-\x7e]+$/, 'ARENA_ADMIN_TOKEN is printable ASCII without spaces (it travels in a header)')
    .optional(),
  ARENA_VOTER_DAILY_CAP: z.coerce.number().int().min(1).default(500),
  ARENA_MAX_VOTES_PER_PROMPT: z.coerce.number().int().min(1).default(100),
  ARENA_MIN_BATTLES: z.coerce.number().int().min(0).default(20),
  ARENA_LEADERBOARD_BOOTSTRAP: z.coerce.number().int().min(0).max(10_000).default(100),
  REDIS_URL: z.url({ message: 'REDIS_URL must be a redis:// URL' }).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'REDIS_PREFIX is letters, digits, ":", "_" or "-"')
    .default('arena'),
  ARENA_INTERNAL_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'ARENA_INTERNAL_HOST is a host name or an IP address, without a port')
    .optional(),
  ARENA_SESSION_MAX_PARTICIPANTS: z.coerce.number().int().min(2).max(100_000).default(500),
  ARENA_SESSION_PER_NETWORK: z.coerce.number().int().min(1).max(100_000).default(10),
  ARENA_MAX_TURNS: z.coerce.number().int().min(1).max(50).default(6),
  ARENA_PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: 'ARENA_PUBLIC_URL must be an http(s) URL, e.g. https://arena.example.org' })
    .optional(),
  ARENA_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  ARENA_TRUST_PROXY: z
    .string()
    .default('off')
    .refine((v) => {
      try {
        parseTrustProxy(v);
        return true;
      } catch {
        return false;
      }
    }, 'ARENA_TRUST_PROXY is off, on (one hop), a number of proxy hops, or a comma-separated list of proxy addresses'),
  ARENA_RATE_LIMITS: z
    .string()
    .regex(
      /^\s*[a-z]+=\d+\/\d+\s*(,\s*[a-z]+=\d+\/\d+\s*)*$/,
      'ARENA_RATE_LIMITS is a list like "vote=60/3000,join=20/600" (per voter / per address, per minute)',
    )
    .optional(),
  ARENA_CHROMIUM: z.string().min(1).default('/usr/bin/chromium'),
  ARENA_SCREENSHOTS_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(2),
  ARENA_SCREENSHOT_BUDGET_MS: Millis.default(15_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ARENA_APPS: z.enum(['on', 'off']).default('on'),
  ARENA_APP_TTL_MS: Millis.default(10 * 60_000),
  ARENA_APP_IDLE_MS: Millis.default(10 * 60_000),
  ARENA_APPS_PER_HOST: z.coerce.number().int().min(1).max(1_000).default(10),
  ARENA_APP_MEMORY_MB: z.coerce.number().int().min(64).max(16_384).default(768),
  ARENA_APP_CPUS: z.coerce.number().positive().max(64).default(1),
  ARENA_APP_START_MS: Millis.default(60_000),
});

export interface ArenaConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  modelsFile: string | undefined;
  uiDir: string | undefined;
  samplePromptsFile: string | undefined;
  sandboxWorkers: number | undefined;
  runLimits: { wallMs: number; cpuMs: number; memoryMb: number; outputBytes: number; processes: number };
  /**
   * Docker engines (`none` turns Docker off), the sandbox image, its warm pool per host, and whether a used
   * container that ended normally is reset and reused for another run (off: a fresh container per run).
   */
  docker: { hosts: string | undefined; image: string; poolSize: number; reuse: boolean };
  /**
   * Live apps (programs that serve, run on a local Docker engine and proxied at `/api/apps/<token>/`), or
   * false when off: how long one lives after its battle closed, without a request, how many an engine keeps,
   * each one's memory and CPU, and how long a server has to answer.
   */
  apps: { ttlMs: number; idleMs: number; perHost: number; memoryMb: number; cpus: number; startMs: number } | false;
  pyodide: boolean;
  /** Judges file (unset: the execution-grounded judge only), calls at once, time-out per call. */
  judges: { file: string | undefined; concurrency: number; timeoutMs: number };
  /** Where AutoCodeArena runs are kept (one folder per run, as `arena autoarena --out` writes): shown in the UI. */
  autoarenaDir: string;
  generation: { timeoutMs: number; idleTimeoutMs: number; maxAnswerChars: number };
  deltaIntervalMs: number;
  leaderboard: {
    identityWords: string[] | undefined;
    voterDailyCap: number;
    maxVotesPerPrompt: number;
    minBattles: number;
    bootstrapRounds: number;
  };
  /** Salt of the voter hashes in exported data sets; unset, one is made and kept in the database. */
  voterSalt: string | undefined;
  /** Licence named in the data-set cards. */
  datasetLicense: string;
  /**
   * Data-set exports on PostgreSQL: how many run at once in worker threads with connections of their own
   * (more wait in order; 0 keeps exports on the event loop), and the nice value of those threads (Linux).
   */
  exports: { workers: number; nice: number };
  /** Bearer token of `/api/admin/*`; unset, those routes answer 404 (there is no admin API). */
  adminToken: string | undefined;
  /** Set: several processes serve one arena, fanning out through Redis (and rate limits are shared there). */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and stream, so several arenas can share one Redis. */
  redisPrefix: string;
  /**
   * Where the other processes of a clustered arena reach this one (its port is the one it listens on): set, they
   * send the requests of this process's live apps here; unset, they reach the apps' containers directly, which
   * only processes on the Docker engine's machine can.
   */
  internalHost: string | undefined;
  sessions: {
    maxParticipants: number;
    /**
     * People of one session who join straight in from one network address; past it, they wait for the host.
     * Also the votes one address casts on one session battle, unless the host let more of its people in.
     */
    perNetwork: number;
  };
  /** User turns a battle may have (the first prompt and its follow-ups). */
  maxTurns: number;
  /** Where people reach the arena (join links and QR codes of voting sessions); unset, the host's own address. */
  publicUrl: string | undefined;
  /** On SIGTERM, how long battles in progress may run on (new ones are refused) before they are stopped. */
  shutdownGraceMs: number;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: TrustProxy;
  /** Per minute, per voter and per client address. */
  rateLimits: Record<RateLimitName, { perVoter: number; perAddress: number }>;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /**
   * The pictures of what runs render, taken in a headless Chromium (`chromium: undefined`: none are taken):
   * shots at once, and the most one may take. Absent: none are taken.
   */
  screenshots?: { chromium: string | undefined; inFlight: number; budgetMs: number };
}

export const RATE_LIMIT_NAMES = ['create', 'session', 'join', 'guess', 'vote', 'run', 'admin'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];
/**
 * Defaults: a class behind one NAT address shares the per-address budget, so those are generous; the
 * per-voter ones stop one client from flooding.
 */
const DEFAULT_RATE_LIMITS: ArenaConfig['rateLimits'] = {
  create: { perVoter: 20, perAddress: 120 },
  session: { perVoter: 10, perAddress: 60 },
  join: { perVoter: 20, perAddress: 600 },
  // Joins with a code no session has: a guesser rotating voter ids still spends its address's budget.
  guess: { perVoter: 10, perAddress: 20 },
  vote: { perVoter: 60, perAddress: 3_000 },
  run: { perVoter: 30, perAddress: 300 },
  // Admin requests have no voter: only the address's budget applies (tokens are not guessed 60 at a time).
  admin: { perVoter: 60, perAddress: 60 },
};

function parseRateLimits(text: string | undefined): ArenaConfig['rateLimits'] {
  const limits = structuredClone(DEFAULT_RATE_LIMITS);
  for (const part of text?.split(',') ?? []) {
    const [name, value] = part.trim().split('=') as [string, string];
    if (!(RATE_LIMIT_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(
        `invalid configuration:\n  ARENA_RATE_LIMITS: unknown limit "${name}" (one of ${RATE_LIMIT_NAMES.join(', ')})`,
      );
    }
    const [perVoter, perAddress] = value.split('/').map(Number) as [number, number];
    limits[name as RateLimitName] = { perVoter, perAddress };
  }
  return limits;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Read and validate the environment once at boot; every bad variable is named in one message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ArenaConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.ARENA_DATA_DIR),
    modelsFile: e.ARENA_MODELS_FILE ? path.resolve(e.ARENA_MODELS_FILE) : undefined,
    uiDir: e.ARENA_UI_DIR ? path.resolve(e.ARENA_UI_DIR) : undefined,
    samplePromptsFile: e.ARENA_SAMPLE_PROMPTS_FILE ? path.resolve(e.ARENA_SAMPLE_PROMPTS_FILE) : undefined,
    sandboxWorkers: e.ARENA_SANDBOX_WORKERS,
    runLimits: {
      wallMs: e.ARENA_RUN_WALL_MS,
      cpuMs: e.ARENA_RUN_CPU_MS,
      memoryMb: e.ARENA_RUN_MEMORY_MB,
      outputBytes: e.ARENA_RUN_OUTPUT_BYTES,
      processes: e.ARENA_RUN_PROCESSES,
    },
    docker: {
      hosts: e.DOCKER_HOSTS === 'none' ? undefined : e.DOCKER_HOSTS,
      image: e.ARENA_SANDBOX_IMAGE,
      poolSize: e.ARENA_SANDBOX_POOL,
      reuse: e.ARENA_SANDBOX_REUSE === 'on',
    },
    pyodide: e.ARENA_PYODIDE === 'on',
    apps:
      e.ARENA_APPS === 'on'
        ? {
            ttlMs: e.ARENA_APP_TTL_MS,
            idleMs: e.ARENA_APP_IDLE_MS,
            perHost: e.ARENA_APPS_PER_HOST,
            memoryMb: e.ARENA_APP_MEMORY_MB,
            cpus: e.ARENA_APP_CPUS,
            startMs: e.ARENA_APP_START_MS,
          }
        : false,
    autoarenaDir: path.resolve(e.ARENA_AUTOARENA_DIR ?? path.join(e.ARENA_DATA_DIR, 'autoarena')),
    judges: {
      file: e.ARENA_JUDGES_FILE ? path.resolve(e.ARENA_JUDGES_FILE) : undefined,
      concurrency: e.ARENA_JUDGE_CONCURRENCY,
      timeoutMs: e.ARENA_JUDGE_TIMEOUT_MS,
    },
    generation: {
      timeoutMs: e.ARENA_GEN_TIMEOUT_MS,
      idleTimeoutMs: e.ARENA_GEN_IDLE_TIMEOUT_MS,
      maxAnswerChars: e.ARENA_MAX_ANSWER_CHARS,
    },
    deltaIntervalMs: e.ARENA_DELTA_INTERVAL_MS,
    leaderboard: {
      identityWords: e.ARENA_IDENTITY_WORDS?.split(',')
        .map((w) => w.trim())
        .filter(Boolean),
      voterDailyCap: e.ARENA_VOTER_DAILY_CAP,
      maxVotesPerPrompt: e.ARENA_MAX_VOTES_PER_PROMPT,
      minBattles: e.ARENA_MIN_BATTLES,
      bootstrapRounds: e.ARENA_LEADERBOARD_BOOTSTRAP,
    },
    voterSalt: e.ARENA_VOTER_SALT,
    datasetLicense: e.ARENA_DATASET_LICENSE,
    exports: { workers: e.ARENA_EXPORT_WORKERS, nice: e.ARENA_EXPORT_NICE },
    adminToken: e.ARENA_ADMIN_TOKEN,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    internalHost: e.ARENA_INTERNAL_HOST,
    sessions: { maxParticipants: e.ARENA_SESSION_MAX_PARTICIPANTS, perNetwork: e.ARENA_SESSION_PER_NETWORK },
    maxTurns: e.ARENA_MAX_TURNS,
    publicUrl: e.ARENA_PUBLIC_URL?.replace(/\/+$/, ''),
    shutdownGraceMs: e.ARENA_SHUTDOWN_GRACE_MS,
    trustProxy: parseTrustProxy(e.ARENA_TRUST_PROXY),
    rateLimits: parseRateLimits(e.ARENA_RATE_LIMITS),
    screenshots: {
      chromium: e.ARENA_CHROMIUM === 'off' ? undefined : e.ARENA_CHROMIUM,
      inFlight: e.ARENA_SCREENSHOTS_IN_FLIGHT,
      budgetMs: e.ARENA_SCREENSHOT_BUDGET_MS,
    },
    logLevel: e.LOG_LEVEL,
  };
}

export const ARENA_CONFIG = Symbol('ARENA_CONFIG');
