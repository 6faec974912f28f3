import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on the loopback: a load balancer in front of arena processes, or a slow link in front of Redis.
 * New connections go to `target` (changeable); `cut()` drops the open ones; `hold()` keeps what the target
 * sends until `release()`.
 */
export class TcpRelay {
  readonly server: Server;
  private readonly pipes = new Set<{ client: Socket; upstream: Socket; held: Buffer[] }>();
  private holding = false;

  constructor(
    public target: number,
    private readonly host = '127.0.0.1',
  ) {
    this.server = createServer((client) => {
      const upstream = connect(this.target, this.host);
      const pipe = { client, upstream, held: [] as Buffer[] };
      this.pipes.add(pipe);
      client.on('data', (chunk: Buffer) => upstream.write(chunk));
      upstream.on('data', (chunk: Buffer) => (this.holding ? pipe.held.push(chunk) : client.write(chunk)));
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.pipes.delete(pipe);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
  }

  /** Listens on a free loopback port, and says which. */
  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops every open connection (both ends see it close). */
  cut(): void {
    for (const pipe of [...this.pipes]) {
      pipe.client.destroy();
      pipe.upstream.destroy();
    }
    this.pipes.clear();
  }

  /** What the target sends is kept back from here on. */
  hold(): void {
    this.holding = true;
  }

  /** Delivers what was kept back, and stops keeping. */
  release(): void {
    this.holding = false;
    for (const pipe of this.pipes) for (const chunk of pipe.held.splice(0)) pipe.client.write(chunk);
  }

  close(): void {
    this.cut();
    this.server.close();
  }
}
