import 'reflect-metadata';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { SandboxRegistry } from '@arena/sandboxes';
import { AppModule } from './app.module.js';
import { bindAppLifecycle } from './apps/app-lifecycle.js';
import { AppsProxy } from './apps/apps-proxy.js';
import { ClusterApps } from './apps/cluster-apps.js';
import { ClusterBus } from './realtime/cluster-bus.js';
import { BattleRegistry } from './battles/battle-registry.js';
import { DomainEvents } from './events/domain-events.js';
import type { ArenaConfig } from './config/config.js';
import { NestPinoLogger, configureLogging, createLogger } from './logging/logger.js';
import { ArenaIoAdapter } from './realtime/arena-io.adapter.js';
import { REDIS } from './realtime/redis.js';

export interface RunningArena {
  app: NestExpressApplication;
  url: string;
  port: number;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** The exported Next.js UI, when it has been built beside the backend. */
export const DEFAULT_UI_DIR = path.resolve(here, '../../frontend/out');

/** Boot the arena: database (embedded unless DATABASE_URL), migrations, sandboxes, REST, socket.io, UI. */
export async function startArena(config: ArenaConfig, options: { random?: () => number } = {}): Promise<RunningArena> {
  configureLogging(config.logLevel);
  const logger = createLogger('Server');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    logger: new NestPinoLogger(),
    cors: { origin: true },
  });
  app.useWebSocketAdapter(new ArenaIoAdapter(app, app.get(REDIS), config.redisPrefix));
  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  // Live apps at /api/apps/<token>/: ahead of the body parsers (the app gets the request body untouched).
  const sandboxes = app.get(SandboxRegistry);
  // Behind Redis, an app's request may reach a process that does not hold it: that one asks the others.
  // Where the other processes reach this one: its internal host and, once it listens, its port.
  const reached: { host?: string; port?: number } = { ...(config.internalHost ? { host: config.internalHost } : {}) };
  const appsProxy = new AppsProxy(
    () => sandboxes.apps,
    config.redisUrl
      ? new ClusterApps(
          () => sandboxes.apps,
          app.get(ClusterBus),
          () => (reached.host && reached.port !== undefined ? { host: reached.host, port: reached.port } : undefined),
        )
      : undefined,
  );
  app.use(appsProxy.handle);
  if (config.apps)
    bindAppLifecycle(() => sandboxes.apps, app.get(BattleRegistry), app.get(DomainEvents), config.apps.ttlMs);
  const uiDir = config.uiDir ?? DEFAULT_UI_DIR;
  if (existsSync(path.join(uiDir, 'index.html'))) {
    app.useStaticAssets(uiDir, { extensions: ['html'], index: 'index.html', maxAge: '1h' });
    // A page the UI does not have gets the UI's own 404 page (with a way back), not Express's "Cannot GET".
    // It runs before Nest's routes, so the API and the metrics are left to answer for themselves.
    const notFoundPage = path.join(uiDir, '404.html');
    app.use((req: Request, res: Response, next: NextFunction) => {
      const page =
        (req.method === 'GET' || req.method === 'HEAD') && !/^\/(api|metrics|socket\.io)(\/|$)/.test(req.path);
      if (page && req.accepts('html') && existsSync(notFoundPage)) res.status(404).sendFile(notFoundPage);
      else next();
    });
  } else {
    logger.warn({ uiDir }, 'no built UI found; serving the API only (run `npm run build`)');
  }
  await app.listen(config.port, config.host);
  const server = app.getHttpServer();
  // An idle keep-alive connection is kept longer than clients keep theirs (undici 4 s, browsers and proxies up
  // to 60 s): closed by the server at the moment a client reuses it, the client's request meets a reset (a
  // data-set download in a fresh-clone CI run did) instead of an answer.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  appsProxy.attach(server);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  reached.port = port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  logger.info({ url }, 'arena listening');
  return {
    app,
    url,
    port,
    close: async () => {
      appsProxy.close();
      await app.close();
    },
  };
}
