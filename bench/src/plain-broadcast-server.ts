/**
 * Baseline for the gateway benchmark: the same frames, sent by a bare socket.io server straight to a
 * room with no validation, no coalescing, no persistence, no model streaming. With `direct` as its second argument,
 * the same server writes broadcast frames as the arena does (backend/dist's `one-write-frames.js`).
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@arena/testkit';
import { Server, type Namespace } from 'socket.io';

/** What backend/dist/realtime/one-write-frames.js exports (the arena's build, loaded by path). */
interface BroadcastFrames {
  oneWriteFrames(factory: (nsp: Namespace) => unknown): unknown;
  writeBroadcastFramesDirectly(server: Server): void;
}

interface ScheduledFrame {
  atMs: number;
  battleId: string;
  turn: number;
  side: 'a' | 'b';
  seq: number;
  text: string;
}

const port = Number(process.argv[2]);
const direct = process.argv[3] === 'direct';
const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end('ok');
});
const io = new Server(http, { transports: ['websocket'] });
if (direct) {
  const frames = (await import(
    pathToFileURL(path.join(REPO_ROOT, 'backend/dist/realtime/one-write-frames.js')).href
  )) as BroadcastFrames;
  // socket.io's own adapter class (the one this server would use).
  const Base = io.adapter() as unknown as new (nsp: Namespace) => unknown;
  io.adapter(frames.oneWriteFrames((nsp) => new Base(nsp)) as never);
  frames.writeBroadcastFramesDirectly(io);
}
const arena = io.of('/arena');
arena.on('connection', (socket) => {
  void socket.join('room');
  socket.on('replay', (frames: ScheduledFrame[], ack: (r: { ok: true }) => void) => {
    const start = performance.now();
    let i = 0;
    const tick = (): void => {
      while (i < frames.length && frames[i]!.atMs <= performance.now() - start) {
        const f = frames[i++]!;
        arena.to('room').emit('gen:delta', { ...f, t: Date.now() });
      }
      if (i < frames.length) setTimeout(tick, Math.max(0, frames[i]!.atMs - (performance.now() - start)));
      else ack({ ok: true });
    };
    tick();
  });
});
http.listen(port, '127.0.0.1');
