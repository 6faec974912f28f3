import WebSocket from 'ws';

const PREFIX = '42/arena,["gen:delta",';

/**
 * A lean watcher for load generation: the socket.io protocol spoken by hand over one websocket (engine.io v4
 * framing), reading only the `t` of each `gen:delta`. socket.io's own client costs several times more CPU per
 * message, and the load generator shares the machine's cores with the server it measures.
 */
export class RawWatcher {
  private readonly ws: WebSocket;
  private readonly acks = new Map<number, () => void>();
  private nextAck = 1;
  readonly ready: Promise<void>;

  constructor(url: string, onDelta: (serverTime: number) => void) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    let connected!: () => void;
    let failed!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      connected = resolve;
      failed = reject;
    });
    this.ws.on('error', (error) => failed(error));
    this.ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith(PREFIX)) {
        const at = text.lastIndexOf('"t":');
        onDelta(Number.parseInt(text.slice(at + 4), 10));
      } else if (text === '2') this.ws.send('3');
      else if (text.startsWith('0')) this.ws.send('40/arena,{"protocol":1}');
      else if (text.startsWith('40/arena,')) connected();
      else if (text.startsWith('43/arena,')) {
        const id = Number.parseInt(text.slice('43/arena,'.length), 10);
        this.acks.get(id)?.();
        this.acks.delete(id);
      }
    });
  }

  /** Emit with an acknowledgement (its content is not read). */
  emit(event: string, payload: unknown): Promise<void> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.ws.send(`42/arena,${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** `n` lean watchers, each reporting its delivery latency (client clock minus the frame's server time). */
export async function connectWatchers(url: string, n: number, latencies: number[]): Promise<RawWatcher[]> {
  const out: RawWatcher[] = [];
  while (out.length < n) {
    const batch = Array.from(
      { length: Math.min(250, n - out.length) },
      () => new RawWatcher(url, (t) => latencies.push(Date.now() - t)),
    );
    await Promise.all(batch.map((w) => w.ready));
    out.push(...batch);
  }
  return out;
}
