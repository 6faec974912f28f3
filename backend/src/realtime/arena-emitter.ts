import type { ServerEventName, ServerEventPayload } from '@arena/contracts';

export function battleRoom(battleId: string): string {
  return `battle:${battleId}`;
}

export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/** Every socket of one voter (a person may have the arena open on a phone and a laptop). */
export function voterRoom(voterId: string): string {
  return `voter:${voterId}`;
}

/**
 * How domain services talk to clients, without knowing about socket.io. Rooms span every process of the
 * arena when it runs behind Redis.
 */
export abstract class ArenaEmitter {
  /** Send one frame to everyone in `room`. */
  protected abstract emit<E extends ServerEventName>(room: string, event: E, payload: ServerEventPayload<E>): void;

  toBattle<E extends ServerEventName>(battleId: string, event: E, payload: ServerEventPayload<E>): void {
    this.emit(battleRoom(battleId), event, payload);
  }

  toSession<E extends ServerEventName>(sessionId: string, event: E, payload: ServerEventPayload<E>): void {
    this.emit(sessionRoom(sessionId), event, payload);
  }

  toVoter<E extends ServerEventName>(voterId: string, event: E, payload: ServerEventPayload<E>): void {
    this.emit(voterRoom(voterId), event, payload);
  }

  /** Put every socket in `room` into `into` as well (wherever they are connected). */
  abstract join(room: string, into: string): void;
  /** Take the sockets of `room` out of `from`. */
  abstract leave(room: string, from: string): void;
}
