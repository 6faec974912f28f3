import type { INestApplicationContext } from '@nestjs/common';
import { fromOpaqueOrigin } from '../common/opaque-origins.js';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';

/** How long a dropped client may stay away and still resume without missing a frame. */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/**
 * socket.io as the arena runs it: connection-state recovery always on, and with Redis the streams
 * adapter, so any process can serve any client and a client resumes on whichever process it reaches.
 */
export class ArenaIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly redis: Redis | undefined,
    private readonly prefix = 'arena',
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
      // Upgrades that are not socket.io's are live apps' WebSockets (`AppsProxy.upgrade` answers the rest).
      destroyUpgrade: false,
      // No socket from a sandboxed page (a web preview): it would act as a voter of the page's choosing.
      allowRequest: (request, callback) =>
        fromOpaqueOrigin(request.headers) ? callback('sandboxed pages may not connect', false) : callback(null, true),
    } as ServerOptions);
    if (this.redis) {
      server.adapter(
        createAdapter(this.redis, {
          streamName: `${this.prefix}:socket.io`,
          sessionKeyPrefix: `${this.prefix}:sio:session:`,
          maxLen: 100_000,
          heartbeatInterval: 2_000,
          heartbeatTimeout: 6_000,
        }),
      );
    }
    return server;
  }
}
