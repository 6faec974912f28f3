import type { INestApplicationContext } from '@nestjs/common';
import { fromOpaqueOrigin } from '../common/opaque-origins.js';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Redis } from 'ioredis';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { arenaStreamsAdapter } from './local-first-adapter.js';
import { oneWriteFrames, sessionAwareOneWrite, writeBroadcastFramesDirectly } from './one-write-frames.js';

/** How long a dropped client may stay away and still resume without missing a frame. */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/**
 * socket.io as the arena runs it: connection-state recovery always on, and with Redis the streams
 * adapter, so any process can serve any client and a client resumes on whichever process it reaches
 * (`arenaStreamsAdapter`: this process's own sockets are served without waiting for Redis). A broadcast's frame is
 * encoded once and written to each websocket client's socket directly (`writeBroadcastFramesDirectly`).
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
    server.adapter(
      (this.redis ? oneWriteFrames(arenaStreamsAdapter(this.redis, this.prefix)) : sessionAwareOneWrite) as never,
    );
    writeBroadcastFramesDirectly(server);
    return server;
  }

  /**
   * One plain listener per message and connection. Nest's own binding builds an rxjs pipeline per message
   * per connection (`fromEvent` → `mergeMap` → `takeUntil(disconnect$)` and a subscriber chain): about 400
   * closures and 70 KB of heap per connected client across the namespace's two gateways, measured with a
   * heap snapshot at 1,000 clients (bench/src/watchers.ts). Here the pipeline exists only while a message is
   * handled; what the handler returns is delivered exactly as Nest's binding delivers it.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        // As rxjs' `fromEvent` hands it over: one argument as itself, several as an array.
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args) as { data: unknown; ack?: unknown };
        let result$: Observable<unknown>;
        try {
          result$ = transform(callback(data, ack));
        } catch (err) {
          this.logger.error(err);
          return;
        }
        result$.subscribe({
          next: (response) => {
            if (response === null || response === undefined) return;
            const reply = response as { event?: unknown; data?: unknown };
            if (typeof reply.event === 'string') socket.emit(reply.event, reply.data);
            else if (!isAckHandledManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
          },
          error: (err: unknown) => this.logger.error(err),
        });
      });
    }
  }
}
