import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ARENA_NAMESPACE,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@arena/contracts';
import { seededRandom } from '@arena/ranking';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { stringify } from 'yaml';
import { sharedData } from '@arena/testkit';
import { loadConfig } from '../../src/config/config.js';
import { startArena, type RunningArena } from '../../src/server.js';

export { sharedData };

export type DatabaseKind = 'embedded' | 'postgres';
export const DATABASES: DatabaseKind[] = ['postgres', 'embedded'];

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../..');
/**
 * A `replay` model entry streaming the recorded Arena-Hard answers of `model` from the shared reference data in
 * `sharedDir` (`sharedData(…).dir`: read in place, never copied).
 */
export function replayModel(sharedDir: string, model: string, tokensPerSecond: number): Record<string, unknown> {
  const hard = path.join(sharedDir, 'arena-hard-v0.1');
  return {
    id: `replay-${model}`,
    name: `${model} (replay)`,
    provider: 'replay',
    answersFile: path.join(hard, 'model_answer', `${model}.jsonl`),
    questionsFile: path.join(hard, 'question.jsonl'),
    tokensPerSecond,
  };
}

export const POSTGRES_ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh database on the real PostgreSQL server, dropped by the returned function. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `arena_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestArena extends RunningArena {
  dir: string;
  databaseUrl: string | undefined;
  stop(): Promise<void>;
}

export interface TestArenaOptions {
  database: DatabaseKind;
  /** Model entries for ARENA_MODELS_FILE; default: two fast demo models. */
  models?: Record<string, unknown>[];
  env?: Record<string, string>;
  seed?: number;
  /** Reuse a data directory (restart tests). */
  dir?: string;
}

export const FAST_DEMO_MODELS = [
  {
    id: 'demo-atlas',
    name: 'Demo Atlas (scripted, TypeScript)',
    provider: 'demo',
    style: 'typescript',
    tokensPerSecond: 2000,
  },
  {
    id: 'demo-breeze',
    name: 'Demo Breeze (scripted, JavaScript)',
    provider: 'demo',
    style: 'javascript',
    tokensPerSecond: 1500,
  },
];

export async function startTestArena(options: TestArenaOptions): Promise<TestArena> {
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'arena-test-')));
  const modelsFile = path.join(dir, 'models.yaml');
  await writeFile(modelsFile, stringify(options.models ?? FAST_DEMO_MODELS));
  const database = options.database === 'postgres' ? await freshPostgres() : undefined;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ARENA_DATA_DIR: dir,
    ARENA_MODELS_FILE: modelsFile,
    ARENA_UI_DIR: path.join(dir, 'no-ui'),
    ARENA_SANDBOX_WORKERS: '2',
    ARENA_RUN_CPU_MS: '1000',
    ARENA_RUN_WALL_MS: '3000',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    // Tests stop arenas with battles in flight: no drain unless a test asks for one.
    ARENA_SHUTDOWN_GRACE_MS: '0',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...options.env,
  });
  const arena = await startArena(config, { random: seededRandom(options.seed ?? 7) });
  return {
    ...arena,
    dir,
    databaseUrl: database?.url,
    stop: async () => {
      await arena.close();
      await database?.drop();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RecordedFrame {
  event: string;
  payload: unknown;
}

/**
 * A real socket.io client on the websocket transport that records every frame it receives; `forwardedFor`, an
 * `X-Forwarded-For` header (the address a proxy in front reports, for arenas that trust it).
 */
export async function connectClient(
  url: string,
  voterId?: string,
  forwardedFor?: string,
): Promise<{ socket: TestSocket; frames: RecordedFrame[]; voterId: string }> {
  const socket: TestSocket = io(`${url}${ARENA_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { protocol: PROTOCOL_VERSION, ...(voterId ? { voterId } : {}) },
    ...(forwardedFor !== undefined ? { extraHeaders: { 'x-forwarded-for': forwardedFor } } : {}),
    forceNew: true,
    reconnection: false,
  });
  const frames: RecordedFrame[] = [];
  socket.onAny((event: string, payload: unknown) => frames.push({ event, payload }));
  const session = await new Promise<{ voterId: string }>((resolve, reject) => {
    socket.once('session', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, frames, voterId: session.voterId };
}

/** Resolve when the client has received an event matching the predicate (already or later). */
export function waitForFrame(
  client: { socket: TestSocket; frames: RecordedFrame[] },
  predicate: (frame: RecordedFrame) => boolean,
  timeoutMs = 30_000,
): Promise<RecordedFrame> {
  const existing = client.frames.find(predicate);
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.socket.offAny(listener);
      reject(new Error(`timed out waiting for a frame; got ${client.frames.map((f) => f.event).join(', ')}`));
    }, timeoutMs);
    const listener = (event: string, payload: unknown): void => {
      if (predicate({ event, payload })) {
        clearTimeout(timer);
        client.socket.offAny(listener);
        resolve({ event, payload });
      }
    };
    client.socket.onAny(listener);
  });
}

export function statusIs(battleId: string, status: string) {
  return (frame: RecordedFrame): boolean =>
    frame.event === 'battle:status' &&
    (frame.payload as { battleId: string; status: string }).battleId === battleId &&
    (frame.payload as { status: string }).status === status;
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** A battle created by `client` and voted for side A once open: its id. */
export async function createAndVote(
  client: Awaited<ReturnType<typeof connectClient>>,
  prompt: string,
): Promise<string> {
  const created = await client.socket.emitWithAck('battle:create', { prompt });
  if (!created.ok) throw new Error(created.error.message);
  await waitForFrame(client, statusIs(created.battleId, 'voting'));
  const voted = await client.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'model_a' });
  if (!voted.ok) throw new Error(voted.error.message);
  return created.battleId;
}
