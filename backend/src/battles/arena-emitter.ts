import type { ServerEventName, ServerEventPayload } from '@arena/contracts';

export function battleRoom(battleId: string): string {
  return `battle:${battleId}`;
}

/** How domain services talk to clients, without knowing about socket.io. */
export abstract class ArenaEmitter {
  abstract toBattle<E extends ServerEventName>(battleId: string, event: E, payload: ServerEventPayload<E>): void;
}
