import { Injectable } from '@nestjs/common';
import type { ClientToServerEvents, ServerEventName, ServerEventPayload, ServerToClientEvents } from '@arena/contracts';
import type { Namespace } from 'socket.io';
import { ArenaEmitter } from './arena-emitter.js';

/** ArenaEmitter over the `/arena` socket.io namespace. */
@Injectable()
export class SocketEmitter extends ArenaEmitter {
  private namespace: Namespace<ClientToServerEvents, ServerToClientEvents> | undefined;

  bind(namespace: Namespace<ClientToServerEvents, ServerToClientEvents>): void {
    this.namespace = namespace;
  }

  protected override emit<E extends ServerEventName>(room: string, event: E, payload: ServerEventPayload<E>): void {
    const args = [payload] as unknown as Parameters<ServerToClientEvents[E]>;
    this.namespace?.to(room).emit(event, ...args);
  }

  join(room: string, into: string): void {
    this.namespace?.in(room).socketsJoin(into);
  }

  leave(room: string, from: string): void {
    this.namespace?.in(room).socketsLeave(from);
  }
}
