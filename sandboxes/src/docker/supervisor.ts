import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { OutputStream } from '../types.js';
import { DockerDemuxer } from './demux.js';
import { supervisorBoot } from './sandbox-container.js';
import { SUPERVISOR_HEAD } from './supervisor-script.js';

/** A record's head: kind byte, generation, payload length (see `SUPERVISOR_SCRIPT`). */
const HEAD = 9;

interface Listener {
  gen: number;
  onRecord: (kind: string, payload: Buffer) => void;
  onBroken: (error: Error) => void;
}

/**
 * The engine's side of a reusable container's supervisor (see `SUPERVISOR_SCRIPT`), over the container's
 * attach stream: resets it and starts the Python driver with its job with no `docker exec`, and gets the
 * driver's output and exit code. Once anything goes wrong (the stream ends, the supervisor writes on stderr,
 * a record out of place) it is broken for good and the container is to be removed.
 */
export class Supervisor {
  private gen = 0;
  private listener?: Listener;
  private brokenBy?: Error;
  private pending: Buffer = Buffer.alloc(0);

  private constructor(private readonly stream: Duplex) {
    const demux = new DockerDemuxer((which, data) => {
      if (which === 'stdout') this.parse(data);
      else this.break(new Error(`the supervisor wrote on stderr: ${data.toString().trim().slice(0, 500)}`));
    });
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', () => this.break(new Error('the supervisor ended')));
    stream.on('close', () => this.break(new Error('the supervisor ended')));
    stream.on('error', (error: Error) => this.break(error));
  }

  /**
   * Attach to a created reusable container's stdin and output, start it (attached first, so no record is
   * missed) and send it its supervisor (see `supervisorBoot`). The container is the caller's to remove if
   * this fails.
   */
  static async start(container: Docker.Container): Promise<Supervisor> {
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as Duplex;
    const supervisor = new Supervisor(stream);
    try {
      await container.start();
    } catch (error) {
      supervisor.destroy();
      throw error;
    }
    const boot = supervisorBoot();
    supervisor.send(`boot ${boot.length}`, boot);
    return supervisor;
  }

  /** Why it is broken, if it is. */
  get broken(): Error | undefined {
    return this.brokenBy;
  }

  /**
   * Reset the container (see `RESET_SCRIPT`): ready for a job. Rejects on any failure or surprise, or after
   * `timeoutMs`; the caller then removes the container.
   */
  reset(timeoutMs: number): Promise<void> {
    const gen = ++this.gen;
    const nonce = randomBytes(12).toString('hex');
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        if (this.listener?.gen === gen) this.listener = undefined;
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        settle(new Error(`the reset took more than ${timeoutMs} ms`));
        // A reset that never answered leaves the supervisor in an unknown state.
        this.destroy();
      }, timeoutMs);
      this.listen({
        gen,
        onRecord: (kind, payload) => {
          if (kind === 'r' && payload.toString() === nonce) return settle();
          if (kind === 'f') return settle(new Error(payload.toString().trim() || 'the reset failed'));
          settle(new Error(`the supervisor answered a reset with a '${kind}' record`));
        },
        onBroken: settle,
      });
      this.send(`reset ${gen} ${nonce}`);
    });
  }

  /**
   * Start the driver with its job (its line: see `armedJob`) and pass its output on as it comes; resolves with its exit
   * code, rejects when the supervisor breaks or the container is not ready.
   */
  run(job: string, onOutput: (stream: OutputStream, data: Buffer) => void): Promise<number> {
    const gen = this.gen;
    return new Promise<number>((resolve, reject) => {
      this.listen({
        gen,
        onRecord: (kind, payload) => {
          if (kind === 'o') return onOutput('stdout', payload);
          if (kind === 'e') return onOutput('stderr', payload);
          this.listener = undefined;
          const code = Number(payload.toString());
          if (kind === 'x' && Number.isInteger(code)) return resolve(code);
          reject(new Error(`the supervisor ended the run with '${kind}' ${payload.toString().slice(0, 200)}`));
        },
        onBroken: reject,
      });
      const bytes = Buffer.from(job);
      this.send(`job ${gen} ${bytes.length}`, bytes);
    });
  }

  /** No job for this reset: the run is of another language. */
  closeDriver(): void {
    if (this.listener?.gen === this.gen) this.listener = undefined;
    this.send(`close ${this.gen}`);
  }

  /** End the attach stream: the supervisor exits, and the container with it. */
  destroy(): void {
    this.stream.destroy();
    this.break(new Error('the supervisor was closed'));
  }

  private listen(listener: Listener): void {
    if (this.brokenBy) {
      const error = this.brokenBy;
      queueMicrotask(() => listener.onBroken(error));
      return;
    }
    this.listener = listener;
  }

  /** A command's header, padded to its fixed size, and what follows it. */
  private send(head: string, body?: Buffer): void {
    if (this.brokenBy) return;
    this.stream.write(Buffer.from(head.padEnd(SUPERVISOR_HEAD - 1) + '\n'));
    if (body) this.stream.write(body);
  }

  private parse(data: Buffer): void {
    let buffer = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    while (buffer.length >= HEAD) {
      const size = buffer.readUInt32BE(5);
      if (buffer.length < HEAD + size) break;
      const kind = String.fromCharCode(buffer[0] ?? 0);
      const gen = buffer.readUInt32BE(1);
      const payload = buffer.subarray(HEAD, HEAD + size);
      buffer = buffer.subarray(HEAD + size);
      // Records of an earlier generation (a driver closed for another language's run) have no listener.
      if (this.listener?.gen === gen) this.listener.onRecord(kind, payload);
    }
    this.pending = Buffer.from(buffer);
  }

  private break(error: Error): void {
    if (this.brokenBy) return;
    this.brokenBy = error;
    const listener = this.listener;
    this.listener = undefined;
    listener?.onBroken(error);
  }
}
