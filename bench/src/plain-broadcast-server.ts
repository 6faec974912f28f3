/**
 * Baseline for the gateway benchmark: the same frames, sent by a bare socket.io server straight to a
 * room with no validation, no coalescing, no persistence, no model streaming.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

interface ScheduledFrame {
  atMs: number;
  battleId: string;
  turn: number;
  side: 'a' | 'b';
  seq: number;
  text: string;
}

const port = Number(process.argv[2]);
const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end('ok');
});
const io = new Server(http, { transports: ['websocket'] });
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
