import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { armedCommand, SANDBOX_ENV } from './recipes.js';
import { isOrphan, SANDBOX_LABEL, SANDBOX_USER } from './sandbox-container.js';

export type DockerLog = (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;

/** A started container, ready for one run. */
export interface Warm {
  container: Docker.Container;
  id: string;
  createdAt: number;
  memoryMb: number;
  processes: number;
  /** The Python driver already started in the container, waiting for a job on stdin. */
  armed?: { exec: Docker.Exec; stream: Duplex };
}

export interface WarmPoolOptions {
  docker: Docker;
  /** The engine's name, for the log. */
  host: string;
  /** The create options of a sandbox container with these limits. */
  spec: (memoryMb: number, processes: number) => Docker.ContainerCreateOptions;
  /** Ready containers kept; 0 keeps none. */
  size: number;
  /** A warm container older than this is replaced rather than used. */
  maxIdleMs: number;
  /** The limits warm containers start with; `acquire` changes them to the run's. */
  defaults: { memoryMb: number; processes: number };
  log?: DockerLog;
}

/**
 * The sandbox containers of one engine: started ahead of the runs so a run does not pay a container start
 * (the pool is filled once the engine answered: see `refill`), handed out one per run, and removed, with
 * everything the program started, once used; also removes the orphans a dead arena process left.
 */
export class WarmPool {
  private readonly idle: Warm[] = [];
  private starting = 0;
  private readonly removals = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: WarmPoolOptions) {}

  /** Containers started and waiting for a run. */
  get idleCount(): number {
    return this.idle.length;
  }

  async create(memoryMb: number, processes: number): Promise<Docker.Container> {
    const container = await this.options.docker.createContainer(this.options.spec(memoryMb, processes));
    try {
      await container.start();
    } catch (error) {
      this.remove(container);
      throw error;
    }
    return container;
  }

  /** Force-remove a container with its volumes, in the background; `drain` waits for the removals. */
  remove(container: Docker.Container): void {
    const removal = container
      .remove({ force: true, v: true })
      .catch((error: unknown) => {
        if (!/no such container|is already in progress/i.test(String(error)))
          this.options.log?.('warn', { host: this.options.host, err: String(error) }, 'could not remove a container');
      })
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  /**
   * Remove the sandbox containers on this engine that no live runner may hold (see `isOrphan`): those of a
   * dead process on this machine at once, the others by age. Returns how many it removes (in the background).
   */
  async sweepOrphans(): Promise<number> {
    const now = Date.now();
    const { docker } = this.options;
    const containers = await docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL] } });
    const orphans = containers.filter((info) => isOrphan(info, now, this.options.maxIdleMs));
    // Containers go first: a network is removed only once nothing is attached to it.
    await Promise.allSettled(
      orphans.map((info) =>
        docker
          .getContainer(info.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
    // App networks (see `apps/app-container`) carry the same labels: gone with their owner, or when they expire.
    const networks = await docker.listNetworks({ filters: { label: [SANDBOX_LABEL] } });
    const orphanNetworks = networks.filter((info) =>
      isOrphan({ State: 'running', Labels: info.Labels ?? {} }, now, this.options.maxIdleMs),
    );
    await Promise.allSettled(orphanNetworks.map((info) => docker.getNetwork(info.Id).remove()));
    if (orphans.length + orphanNetworks.length > 0)
      this.options.log?.(
        'info',
        { host: this.options.host, containers: orphans.length, networks: orphanNetworks.length },
        'removing sandbox containers and networks that no live arena process holds',
      );
    return orphans.length;
  }

  /** Keep `size` ready containers, started a few at a time. Called only for an engine that answered. */
  refill(): void {
    if (this.closed) return;
    const { host, log } = this.options;
    while (this.idle.length + this.starting < this.options.size) {
      this.starting++;
      const { memoryMb, processes } = this.options.defaults;
      this.create(memoryMb, processes)
        .then(async (container) => {
          if (this.closed) return this.remove(container);
          const armed = await this.arm(container).catch((error: unknown) => {
            log?.('warn', { host, err: String(error) }, 'could not arm a warm container');
            return undefined;
          });
          if (this.closed) return this.remove(container);
          this.idle.push({
            container,
            id: container.id,
            createdAt: Date.now(),
            memoryMb,
            processes,
            ...(armed ? { armed } : {}),
          });
        })
        .catch((error: unknown) => {
          log?.('warn', { host, err: String(error) }, 'could not start a warm container');
        })
        .finally(() => {
          this.starting--;
        });
    }
  }

  /** Start the Python driver in a warm container ahead of time; it waits for one job on stdin. */
  private async arm(container: Docker.Container): Promise<Warm['armed']> {
    const exec = await container.exec({
      Cmd: armedCommand(),
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      User: SANDBOX_USER,
      WorkingDir: '/sandbox',
      Env: [...SANDBOX_ENV],
    });
    const stream = await exec.start({ hijack: true, stdin: true });
    return { exec, stream };
  }

  /** A ready container for one run: a warm one when there is one, else a fresh start. */
  async acquire(memoryMb: number, processes: number): Promise<Warm> {
    let warm: Warm | undefined;
    while ((warm = this.idle.shift())) {
      if (Date.now() - warm.createdAt < this.options.maxIdleMs) break;
      this.remove(warm.container);
    }
    this.refill();
    if (!warm) {
      const container = await this.create(memoryMb, processes);
      return { container, id: container.id, createdAt: Date.now(), memoryMb, processes };
    }
    if (warm.memoryMb !== memoryMb || warm.processes !== processes) {
      const memory = memoryMb * 1024 * 1024;
      // Raising the limit must raise memory+swap first, lowering it must lower memory first.
      const update =
        memoryMb > warm.memoryMb
          ? { MemorySwap: memory, Memory: memory, PidsLimit: processes }
          : { Memory: memory, MemorySwap: memory, PidsLimit: processes };
      await warm.container.update(update);
      warm.memoryMb = memoryMb;
      warm.processes = processes;
    }
    return warm;
  }

  /** Start no more containers; containers that finish starting from now on are removed. */
  stop(): void {
    this.closed = true;
  }

  /** Remove every warm container and wait until the pool's starts and removals are all done. */
  async drain(): Promise<void> {
    for (const warm of this.idle.splice(0)) this.remove(warm.container);
    while (this.starting > 0 || this.removals.size > 0) {
      await Promise.allSettled([...this.removals]);
      if (this.starting > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const warm of this.idle.splice(0)) this.remove(warm.container);
    }
  }
}
