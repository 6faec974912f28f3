import type { Namespace, Socket } from 'socket.io';

/** Packets queued for one client beyond which it counts as lagging (a stalled or very slow connection). */
export const LAG_HIGH_WATER = 256;
const CHECK_MS = 250;

/** Packets engine.io holds for a client that its connection has not taken yet (engine.io keeps them private). */
export function queuedPackets(socket: Socket): number {
  return (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
}

export interface LagMonitorOptions {
  highWater?: number;
  checkMs?: number;
  /** The rooms whose frames are paused for a lagging client (live battles: a snapshot replaces them). */
  pausable(room: string): boolean;
  /** The client caught up: send it what replaces the frames it missed. */
  resume(socket: Socket, rooms: string[]): void;
  lagged?(socket: Socket): void;
}

/**
 * Backpressure for broadcasts. socket.io queues packets per client without limit while the connection
 * cannot take them; a stalled watcher would make the server buffer a whole battle. Every check, a client
 * with more than `highWater` queued packets is taken out of its battle rooms (its queue stops growing);
 * once its queue has drained it is put back and given a snapshot, so it misses nothing in the end, and the
 * broadcast to everyone else never waits for it.
 */
export class LagMonitor {
  private readonly paused = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly highWater: number;

  constructor(
    private readonly namespace: Namespace,
    private readonly options: LagMonitorOptions,
  ) {
    this.highWater = options.highWater ?? LAG_HIGH_WATER;
    this.timer = setInterval(() => this.check(), options.checkMs ?? CHECK_MS);
    this.timer.unref();
  }

  /** Rooms taken from a lagging socket; it is put back in them when it resumes. */
  isPaused(socketId: string): boolean {
    return this.paused.has(socketId);
  }

  check(): void {
    for (const [id, socket] of this.namespace.sockets) {
      const queued = queuedPackets(socket);
      const rooms = this.paused.get(id);
      if (rooms) {
        if (queued === 0) {
          this.paused.delete(id);
          for (const room of rooms) void socket.join(room);
          this.options.resume(socket, rooms);
        }
      } else if (queued > this.highWater) {
        const taken = [...socket.rooms].filter((room) => this.options.pausable(room));
        if (taken.length === 0) continue;
        for (const room of taken) void socket.leave(room);
        this.paused.set(id, taken);
        this.options.lagged?.(socket);
      }
    }
    for (const id of this.paused.keys()) if (!this.namespace.sockets.has(id)) this.paused.delete(id);
  }

  /** Rooms a socket would be in were it not lagging (it asked to watch while paused). */
  addPausedRoom(socketId: string, room: string): boolean {
    const rooms = this.paused.get(socketId);
    if (!rooms) return false;
    if (!rooms.includes(room)) rooms.push(room);
    return true;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
