import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { seededRandom } from '@arena/ranking';
import { stringify } from 'yaml';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/config.js';
import { EMBEDDED_POSTGRES } from '../database/database.module.js';
import type { EmbeddedPostgres } from '../database/embedded-postgres.js';
import { MIGRATIONS } from '../database/migrations/index.js';
import { configureLogging } from '../logging/logger.js';
import { DomainEvents, type DomainEventMap, type DomainEventName } from '../events/domain-events.js';
import { ManualClock } from '../realtime/manual-clock.js';
import { MemoryEmitter } from '../realtime/memory-emitter.js';

/** Two scripted models fast enough that a whole battle takes milliseconds (no pacing to wait for). */
export const FAST_DEMO_MODELS = [
  { id: 'demo-atlas', name: 'Demo Atlas', provider: 'demo', style: 'typescript', tokensPerSecond: 100_000 },
  { id: 'demo-breeze', name: 'Demo Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 100_000 },
];

/**
 * A migrated embedded database to start the next core from (PGlite's initdb and the migrations cost about
 * 3 s, loading a dump 0.4 s), kept in the system's temporary folder under a name that changes with the
 * migrations.
 */
const TEMPLATE = path.join(
  os.tmpdir(),
  `arena-core-pglite-${createHash('sha256')
    .update(MIGRATIONS.map((m) => m.name).join('\n'))
    .digest('hex')
    .slice(0, 16)}.tar`,
);

async function saveTemplate(embedded: EmbeddedPostgres): Promise<void> {
  const partial = `${TEMPLATE}.${process.pid}`;
  await writeFile(partial, Buffer.from(await (await embedded.dump()).arrayBuffer()));
  await rename(partial, TEMPLATE);
}

export interface Core {
  app: INestApplicationContext;
  emitter: MemoryEmitter;
  clock: ManualClock;
  /** Every domain event, in the order it was emitted. */
  events: { [E in DomainEventName]: { event: E; payload: DomainEventMap[E] } }[DomainEventName][];
  close(): Promise<void>;
}

/**
 * The arena's services without a network: the real modules on embedded PGlite and the real sandboxes
 * (isolated-vm; no Docker, no Pyodide), with an in-memory emitter for the socket.io namespace, a manual
 * clock for coalesced frames and a seeded draw of models. Tests drive the services directly and await
 * their work (`BattleRunnerService.start`, `.idle()`) instead of sleeping.
 */
export async function startCore(models: object[] = FAST_DEMO_MODELS): Promise<Core> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-core-'));
  const modelsFile = path.join(dir, 'models.yaml');
  await writeFile(modelsFile, stringify(models));
  const config = loadConfig({
    ARENA_DATA_DIR: path.join(dir, 'data'),
    ARENA_MODELS_FILE: modelsFile,
    DOCKER_HOSTS: 'none',
    ARENA_PYODIDE: 'off',
    ARENA_SANDBOX_WORKERS: '1',
    LOG_LEVEL: 'warn',
  });
  configureLogging(config.logLevel);
  const emitter = new MemoryEmitter();
  const clock = new ManualClock();
  const cached = await readFile(TEMPLATE).then(
    (bytes) => new Blob([bytes]),
    () => undefined,
  );
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, {
      random: seededRandom(7),
      emitter,
      clock,
      ...(cached ? { embeddedTemplate: cached } : {}),
    }),
    { logger: false },
  );
  await app.init();
  if (!cached) await saveTemplate(app.get<EmbeddedPostgres>(EMBEDDED_POSTGRES));
  const events: Core['events'] = [];
  const bus = app.get(DomainEvents);
  const names: DomainEventName[] = [
    'battle.created',
    'generation.finished',
    'run.finished',
    'battle.runs-changed',
    'turn.finished',
    'vote.committed',
    'battle.revealed',
  ];
  for (const event of names) bus.on(event, (payload) => void events.push({ event, payload } as Core['events'][number]));
  return {
    app,
    emitter,
    clock,
    events,
    close: async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
