import { Injectable } from '@nestjs/common';
import type { ClientToServerEvents, ServerEventName, ServerEventPayload, ServerToClientEvents } from '@arena/contracts';
import type { Namespace } from 'socket.io';
import { ArenaEmitter, battleRoom, sessionRoom, voterRoom } from './arena-emitter.js';

/** ArenaEmitter over the `/arena` socket.io namespace. */
@Injectable()
export class SocketEmitter extends ArenaEmitter {
  private namespace: Namespace<ClientToServerEvents, ServerToClientEvents> | undefined;

  bind(namespace: Namespace<ClientToServerEvents, ServerToClientEvents>): void {
    this.namespace = namespace;
  }

  private emit<E extends ServerEventName>(room: string, event: E, payload: ServerEventPayload<E>): void {
    const args = [payload] as unknown as Parameters<ServerToClientEvents[E]>;
    this.namespace?.to(room).emit(event, ...args);
  }

  toBattle<E extends ServerEventName>(battleId: string, event: E, payload: ServerEventPayload<E>): void {
    this.emit(battleRoom(battleId), event, payload);
  }

  toSession<E extends ServerEventName>(sessionId: string, event: E, payload: ServerEventPayload<E>): void {
    this.emit(sessionRoom(sessionId), event, payload);
  }

  toVoter<E extends ServerEventName>(voterId: string, event: E, payload: ServerEventPayload<E>): void {
    this.emit(voterRoom(voterId), event, payload);
  }

  join(room: string, into: string): void {
    this.namespace?.in(room).socketsJoin(into);
  }

  leave(room: string, from: string): void {
    this.namespace?.in(room).socketsLeave(from);
  }
}
