import { Injectable } from '@nestjs/common';
import type { ClientToServerEvents, ServerEventName, ServerEventPayload, ServerToClientEvents } from '@arena/contracts';
import type { Namespace } from 'socket.io';
import { ArenaEmitter, battleRoom } from './arena-emitter.js';

/** ArenaEmitter over the `/arena` socket.io namespace. */
@Injectable()
export class SocketEmitter extends ArenaEmitter {
  private namespace: Namespace<ClientToServerEvents, ServerToClientEvents> | undefined;

  bind(namespace: Namespace<ClientToServerEvents, ServerToClientEvents>): void {
    this.namespace = namespace;
  }

  toBattle<E extends ServerEventName>(battleId: string, event: E, payload: ServerEventPayload<E>): void {
    const args = [payload] as unknown as Parameters<ServerToClientEvents[E]>;
    this.namespace?.to(battleRoom(battleId)).emit(event, ...args);
  }
}
