import type { ServerEventName, ServerEventPayload } from '@arena/contracts';
import { ArenaEmitter } from './arena-emitter.js';

export interface EmittedFrame<E extends ServerEventName = ServerEventName> {
  room: string;
  event: E;
  payload: ServerEventPayload<E>;
}

type Entry = { kind: 'frame'; frame: EmittedFrame } | { kind: 'join' | 'leave'; room: string; other: string };

/**
 * ArenaEmitter in memory (tldraw's TestSocketPair in spirit): every frame and every room change is kept in
 * order, so a test reads what a client in some rooms would have received, with no socket and no wait.
 */
export class MemoryEmitter extends ArenaEmitter {
  private readonly log: Entry[] = [];

  protected override emit<E extends ServerEventName>(room: string, event: E, payload: ServerEventPayload<E>): void {
    this.log.push({ kind: 'frame', frame: { room, event, payload } });
  }

  join(room: string, into: string): void {
    this.log.push({ kind: 'join', room, other: into });
  }

  leave(room: string, from: string): void {
    this.log.push({ kind: 'leave', room, other: from });
  }

  /** Every frame sent, in order. */
  get frames(): EmittedFrame[] {
    return this.log.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));
  }

  /**
   * What a client that was in `rooms` from the start received: frames to those rooms, and to rooms its rooms
   * were joined into (from the moment they were, until they left them).
   */
  received(rooms: readonly string[]): EmittedFrame[] {
    const mine = new Set(rooms);
    const out: EmittedFrame[] = [];
    for (const entry of this.log) {
      if (entry.kind === 'frame') {
        if (mine.has(entry.frame.room)) out.push(entry.frame);
      } else if (mine.has(entry.room)) {
        if (entry.kind === 'join') mine.add(entry.other);
        else mine.delete(entry.other);
      }
    }
    return out;
  }

  /** The frames of one event, in order. */
  of<E extends ServerEventName>(event: E, frames: EmittedFrame[] = this.frames): ServerEventPayload<E>[] {
    return frames.filter((f) => f.event === event).map((f) => f.payload as ServerEventPayload<E>);
  }
}
