'use client';
import {
  ARENA_NAMESPACE,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@arena/contracts';
import { io, type Socket } from 'socket.io-client';
import { backendUrl } from './api';

export type ArenaSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const VOTER_KEY = 'arena.voterId';
let socket: ArenaSocket | undefined;
let maxTurns = Infinity;

/** How many user turns a battle may have (the server says so when the socket connects). */
export function battleMaxTurns(): number {
  return maxTurns;
}

/** One socket per tab; the voter id lives in local storage so a person stays the same voter across reloads. */
export function arenaSocket(): ArenaSocket {
  if (socket) return socket;
  const voterId = window.localStorage.getItem(VOTER_KEY) ?? undefined;
  socket = io(`${backendUrl()}${ARENA_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { protocol: PROTOCOL_VERSION, ...(voterId ? { voterId } : {}) },
  });
  socket.on('session', ({ voterId: id, maxTurns: limit }) => {
    window.localStorage.setItem(VOTER_KEY, id);
    maxTurns = limit;
  });
  return socket;
}
