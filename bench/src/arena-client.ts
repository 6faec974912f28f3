import {
  ARENA_NAMESPACE,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@arena/contracts';
import { io, type Socket } from 'socket.io-client';

export type ArenaClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io client of the arena's namespace on the websocket transport, each with its own connection. */
export function connect(url: string): Promise<ArenaClient> {
  const socket: ArenaClient = io(`${url}${ARENA_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { protocol: PROTOCOL_VERSION },
    forceNew: true,
    reconnection: false,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}
