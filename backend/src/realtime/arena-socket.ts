import {
  ArenaError,
  type Ack,
  type AckBody,
  type ClientEventName,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@arena/contracts';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';

/** Plain data only: with Redis, a dropped client's data is stored there for connection-state recovery. */
export interface SocketData {
  voterId: string;
  address: string;
  watching: string[];
}
export type ArenaSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ArenaNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * Run a client event's handler and turn its outcome into the event's acknowledgement: the success body the
 * event map gives that event, or its error as a value (unexpected errors are logged and answered neutrally).
 */
export async function acknowledge<E extends ClientEventName>(
  logger: Logger,
  event: E,
  fn: () => Promise<AckBody<E>> | AckBody<E>,
): Promise<Ack<AckBody<E>>> {
  try {
    // AckBody<E> is an object type for every event; TypeScript cannot see that through the generic.
    const body = (await fn()) as object;
    return { ok: true, ...body } as Ack<AckBody<E>>;
  } catch (error) {
    if (error instanceof ArenaError) return { ok: false, error: error.toBody() };
    logger.error({ event, err: error }, 'handler failed');
    return { ok: false, error: { code: 'internal', message: 'something went wrong on the server' } };
  }
}
