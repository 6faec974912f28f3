import type { Namespace, Socket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { LagMonitor } from './lag-monitor.js';

/** A socket as the monitor sees it: its rooms and engine.io's queue of packets not yet written. */
interface FakeSocket {
  id: string;
  rooms: Set<string>;
  conn: { writeBuffer: unknown[] };
  join(room: string): void;
  leave(room: string): void;
}

function fakeSocket(id: string, rooms: string[]): FakeSocket {
  const set = new Set([id, ...rooms]);
  return {
    id,
    rooms: set,
    conn: { writeBuffer: [] },
    join: (room) => void set.add(room),
    leave: (room) => void set.delete(room),
  };
}

describe('LagMonitor', () => {
  let monitor: LagMonitor | undefined;
  afterEach(() => monitor?.close());

  it('takes a client that fell behind out of its battle rooms, and puts it back with a snapshot once drained', () => {
    const slow = fakeSocket('slow', ['battle:1', 'battle:2', 'session:9']);
    const fine = fakeSocket('fine', ['battle:1']);
    const sockets = new Map([
      ['slow', slow],
      ['fine', fine],
    ]);
    const resumed: [string, string[]][] = [];
    let lagged = 0;
    monitor = new LagMonitor({ sockets } as unknown as Namespace, {
      highWater: 10,
      checkMs: 60_000,
      pausable: (room) => room.startsWith('battle:'),
      resume: (socket: Socket, rooms) => resumed.push([socket.id, rooms]),
      lagged: () => (lagged += 1),
    });

    slow.conn.writeBuffer.length = 11;
    fine.conn.writeBuffer.length = 10;
    monitor.check();
    expect([...slow.rooms].sort()).toEqual(['session:9', 'slow']);
    expect([...fine.rooms].sort()).toEqual(['battle:1', 'fine']);
    expect(lagged).toBe(1);
    expect(monitor.isPaused('slow')).toBe(true);

    // Still draining: nothing changes; a watch while paused is remembered for the resume.
    slow.conn.writeBuffer.length = 3;
    monitor.check();
    expect(monitor.addPausedRoom('slow', 'battle:3')).toBe(true);
    expect(monitor.addPausedRoom('fine', 'battle:3')).toBe(false);
    expect(resumed).toEqual([]);

    slow.conn.writeBuffer.length = 0;
    monitor.check();
    expect([...slow.rooms].sort()).toEqual(['battle:1', 'battle:2', 'battle:3', 'session:9', 'slow']);
    expect(resumed).toEqual([['slow', ['battle:1', 'battle:2', 'battle:3']]]);
    expect(monitor.isPaused('slow')).toBe(false);
  });

  it('forgets clients that disconnected while paused', () => {
    const slow = fakeSocket('slow', ['battle:1']);
    const sockets = new Map([['slow', slow]]);
    monitor = new LagMonitor({ sockets } as unknown as Namespace, {
      highWater: 1,
      checkMs: 60_000,
      pausable: () => true,
      resume: () => undefined,
    });
    slow.conn.writeBuffer.length = 5;
    monitor.check();
    expect(monitor.isPaused('slow')).toBe(true);
    sockets.delete('slow');
    monitor.check();
    expect(monitor.isPaused('slow')).toBe(false);
  });
});
