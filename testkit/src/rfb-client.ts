/**
 * A small RFB (VNC) client over WebSocket for the display tests and the bench: the 3.8 handshake with no
 * authentication, raw encoding only, full framebuffer updates and key events. Enough to see the first frame
 * a display serves and to press a key; the browser's client is noVNC.
 */

export interface Frame {
  width: number;
  height: number;
  /** RGBA, `width * height * 4` bytes. */
  rgba: Uint8Array;
}

export class RfbClient {
  private buffer = Buffer.alloc(0);
  private waiting: { bytes: number; resolve: (data: Buffer) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  width = 0;
  height = 0;
  private bytesPerPixel = 4;
  private shifts = { red: 16, green: 8, blue: 0 };
  private bigEndian = false;

  private constructor(private readonly socket: WebSocket) {
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => {
      this.buffer = Buffer.concat([this.buffer, Buffer.from(event.data as ArrayBuffer)]);
      this.pump();
    });
    const fail = (message: string): void => {
      this.failure ??= new Error(message);
      this.waiting?.reject(this.failure);
      this.waiting = undefined;
    };
    socket.addEventListener('close', (event) => fail(`the VNC WebSocket closed (${event.code} ${event.reason})`));
    socket.addEventListener('error', () => fail('the VNC WebSocket failed'));
  }

  /** Connect to `ws://…` and complete the handshake (shared session). */
  static async connect(url: string, timeoutMs = 15_000): Promise<RfbClient> {
    const socket = new WebSocket(url, ['binary']);
    const client = new RfbClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no WebSocket to ${url} in ${timeoutMs} ms`)), timeoutMs);
      socket.addEventListener('open', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.addEventListener('error', () => {
        clearTimeout(timer);
        reject(new Error(`the WebSocket to ${url} failed`));
      });
    });
    await client.handshake();
    return client;
  }

  private pump(): void {
    const waiting = this.waiting;
    if (!waiting || this.buffer.length < waiting.bytes) return;
    const data = this.buffer.subarray(0, waiting.bytes);
    this.buffer = this.buffer.subarray(waiting.bytes);
    this.waiting = undefined;
    waiting.resolve(Buffer.from(data));
  }

  private read(bytes: number): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { bytes, resolve, reject };
      this.pump();
    });
  }

  private async handshake(): Promise<void> {
    const version = (await this.read(12)).toString('latin1');
    if (!version.startsWith('RFB ')) throw new Error(`not a VNC server: ${JSON.stringify(version)}`);
    this.socket.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await this.read(1)).readUInt8(0);
    if (count === 0) {
      const length = (await this.read(4)).readUInt32BE(0);
      throw new Error(`the VNC server refused: ${(await this.read(length)).toString()}`);
    }
    const types = [...(await this.read(count))];
    if (!types.includes(1)) throw new Error(`the VNC server wants authentication (${types.join(',')})`);
    this.socket.send(Buffer.from([1]));
    const result = (await this.read(4)).readUInt32BE(0);
    if (result !== 0) throw new Error('the VNC server refused the session');
    this.socket.send(Buffer.from([1])); // ClientInit: shared
    const init = await this.read(24);
    this.width = init.readUInt16BE(0);
    this.height = init.readUInt16BE(2);
    const bitsPerPixel = init.readUInt8(4);
    this.bytesPerPixel = bitsPerPixel / 8;
    this.bigEndian = init.readUInt8(6) !== 0;
    this.shifts = { red: init.readUInt8(14), green: init.readUInt8(15), blue: init.readUInt8(16) };
    const nameLength = init.readUInt32BE(20);
    await this.read(nameLength);
    // SetEncodings: raw only.
    const encodings = Buffer.alloc(8);
    encodings.writeUInt8(2, 0);
    encodings.writeUInt16BE(1, 2);
    encodings.writeInt32BE(0, 4);
    this.socket.send(encodings);
  }

  /** Ask for the whole screen and read updates until every pixel arrived once. */
  async frame(): Promise<Frame> {
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0);
    request.writeUInt8(0, 1); // not incremental
    request.writeUInt16BE(0, 2);
    request.writeUInt16BE(0, 4);
    request.writeUInt16BE(this.width, 6);
    request.writeUInt16BE(this.height, 8);
    this.socket.send(request);
    const rgba = new Uint8Array(this.width * this.height * 4);
    let covered = 0;
    while (covered < this.width * this.height) {
      const type = (await this.read(1)).readUInt8(0);
      if (type === 2) continue; // bell
      if (type === 3) {
        const header = await this.read(7);
        await this.read(header.readUInt32BE(3));
        continue;
      }
      if (type !== 0) throw new Error(`unexpected VNC message ${type}`);
      const head = await this.read(3);
      const rects = head.readUInt16BE(1);
      for (let r = 0; r < rects; r++) {
        const rect = await this.read(12);
        const [x, y, w, h] = [rect.readUInt16BE(0), rect.readUInt16BE(2), rect.readUInt16BE(4), rect.readUInt16BE(6)];
        const encoding = rect.readInt32BE(8);
        if (encoding !== 0) throw new Error(`unexpected encoding ${encoding}`);
        const pixels = await this.read(w * h * this.bytesPerPixel);
        for (let row = 0; row < h; row++)
          for (let col = 0; col < w; col++) {
            const at = (row * w + col) * this.bytesPerPixel;
            const value = this.bigEndian ? pixels.readUInt32BE(at) : pixels.readUInt32LE(at);
            const out = ((y + row) * this.width + x + col) * 4;
            rgba[out] = (value >>> this.shifts.red) & 0xff;
            rgba[out + 1] = (value >>> this.shifts.green) & 0xff;
            rgba[out + 2] = (value >>> this.shifts.blue) & 0xff;
            rgba[out + 3] = 255;
          }
        covered += w * h;
      }
    }
    return { width: this.width, height: this.height, rgba };
  }

  /** Press and release a key (an X keysym: 0x20 is space). */
  key(keysym: number): void {
    for (const down of [1, 0]) {
      const event = Buffer.alloc(8);
      event.writeUInt8(4, 0);
      event.writeUInt8(down, 1);
      event.writeUInt32BE(keysym, 4);
      this.socket.send(event);
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** The colour at a point of a frame, as `[r, g, b]`. */
export function pixelAt(frame: Frame, x: number, y: number): [number, number, number] {
  const at = (y * frame.width + x) * 4;
  return [frame.rgba[at] ?? 0, frame.rgba[at + 1] ?? 0, frame.rgba[at + 2] ?? 0];
}
