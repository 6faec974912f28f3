import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { readCgroupUsage, resetPeakMemory, type CgroupUsage } from './cgroup.js';
import { armedCommand } from './recipes.js';
import { RESET_TIMEOUT_MS } from './reset.js';
import { isOrphan, reuseProblem, SANDBOX_LABEL, sandboxExec } from './sandbox-container.js';
import { Supervisor } from './supervisor.js';

export type DockerLog = (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;

/** A started container, ready for one run. */
export interface Warm {
  container: Docker.Container;
  id: string;
  /** When it became ready (idle since). */
  createdAt: number;
  /** When the container started: its age for reuse. */
  startedAt: number;
  /** Runs it has been handed out for. */
  runs: number;
  memoryMb: number;
  processes: number;
  /**
   * The Python driver ready for its job: started ahead in an exec of its own, waiting on stdin; or (a
   * reusable container) the supervisor reset the container and forks the driver when the job comes.
   */
  armed?: { exec: Docker.Exec; stream: Duplex } | { supervised: true };
  /** A reusable container's main process (see `Supervisor`), which resets it and arms the driver. */
  supervisor?: Supervisor;
  /**
   * A reused container's cgroup counters when it was handed out: what the run used is the difference (see
   * `runUsage`). Undefined for a container's first run (its counters are all the run's, start included).
   */
  baseline?: CgroupUsage;
  /** The peak memory was started afresh before this run (see `resetPeakMemory`). */
  peakReset?: boolean;
}

/**
 * Reuse of used containers (see `release`). A used container is reset and handed out again instead of
 * removed only when its run ended normally (the runner decides), the container passed `reuseProblem`, the
 * engine is local (the cgroup counters prove no OOM kill or pids-limit hit, and give each run its own
 * numbers), and it is under both caps; the reset itself must pass every check (see `RESET_SCRIPT`).
 */
export interface ReuseOptions {
  /** Runs one container serves at most, then it is removed. */
  maxRuns: number;
  /** A container older than this (since it started) is removed after its run instead of reset. */
  maxAgeMs: number;
  /** A reset that takes longer fails (the container is removed). */
  resetTimeoutMs?: number;
}

export interface WarmPoolOptions {
  docker: Docker;
  /** The engine's name, for the log. */
  host: string;
  /** The create options of a sandbox container with these limits (`reusable`: see `sandboxContainerSpec`). */
  spec: (memoryMb: number, processes: number, reusable: boolean) => Docker.ContainerCreateOptions;
  /** Ready containers kept; 0 keeps none. */
  size: number;
  /** A warm container older than this is replaced rather than used. */
  maxIdleMs: number;
  /** The limits warm containers start with; `acquire` changes them to the run's. */
  defaults: { memoryMb: number; processes: number };
  /** Reuse used containers (only on a local engine); false: one run per container, removed after it. */
  reuse?: ReuseOptions | false;
  /** The engine runs on this machine: its cgroups can be read (reuse needs them). */
  local?: boolean;
  /** Containers at once, idle, busy, starting and resetting together (with reuse): the runner's concurrency cap. */
  maxContainers?: number;
  /**
   * With reuse, a run that finds no ready container waits for one being reset or started; when none
   * became ready for this long, one more is started (one per this long, up to `maxContainers`); 0 starts
   * one for every waiting run at once. Default 2 s.
   */
  growAfterMs?: number;
  /** With reuse, ready containers above `size` are removed after this long without a run. Default 5 s. */
  shrinkAfterMs?: number;
  log?: DockerLog;
}

/** A container just started: with its supervisor when reusable, and its driver when that one armed it. */
interface Started {
  container: Docker.Container;
  supervisor?: Supervisor;
  armed?: { supervised: true };
}

interface Waiter {
  resolve: (warm: Warm) => void;
  reject: (error: Error) => void;
  since: number;
  /** A container was started for this waiter. */
  grew: boolean;
}

/**
 * The sandbox containers of one engine: started ahead of the runs so a run does not pay a container start
 * (the pool is filled once the engine answered: see `refill`), handed out one per run, and, once used,
 * removed with everything the program started, or (reuse on) reset and handed out again; also removes the
 * orphans a dead arena process left.
 *
 * With reuse on, a burst of runs is served by the containers coming back from their resets: a run that
 * finds none ready waits for the next one, and starts a container of its own only when none has come back
 * for `growAfterMs` (or when nothing is coming back). Containers above `size` go again after `shrinkAfterMs`
 * without a run, so at rest the pool holds `size` containers, as without reuse.
 */
export class WarmPool {
  private readonly idle: Warm[] = [];
  private starting = 0;
  /** Handed out for a run and not released yet. */
  private busy = 0;
  private resetting = 0;
  private readonly waiters: Waiter[] = [];
  private growTimer?: NodeJS.Timeout;
  private shrinkTimer?: NodeJS.Timeout;
  /** When a run last asked for a container (`performance.now()`). */
  private lastDemand = 0;
  /** When a container last became ready, and when a stalled pool last started one (`performance.now()`). */
  private lastReady = 0;
  private lastGrow = 0;
  private readonly removals = new Set<Promise<unknown>>();
  private closed = false;
  /** Containers reset and handed out again, and resets that failed (the container was removed). */
  readonly stats = { reused: 0, resetFailures: 0, started: 0 };

  constructor(private readonly options: WarmPoolOptions) {}

  /** Containers started and waiting for a run. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Every container of this pool: idle, busy, starting or being reset. */
  get total(): number {
    return this.idle.length + this.busy + this.starting + this.resetting;
  }

  /** Whether used containers are reset and reused here. */
  get reuses(): boolean {
    return this.reuse !== undefined;
  }

  private get reuse(): ReuseOptions | undefined {
    return this.options.reuse && this.options.local ? this.options.reuse : undefined;
  }

  async create(memoryMb: number, processes: number): Promise<Docker.Container> {
    const container = await this.options.docker.createContainer(
      this.options.spec(memoryMb, processes, this.reuse !== undefined),
    );
    this.stats.started++;
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

  /**
   * Keep `size` ready containers, started a few at a time. Called only for an engine that answered. With
   * reuse, busy and resetting containers count: they come back.
   */
  refill(): void {
    if (this.closed) return;
    const coming = this.reuse ? this.busy + this.resetting : 0;
    while (this.idle.length + this.starting + coming < this.options.size) this.startOne();
  }

  /** Start one container, arm it and hand it to a waiter or keep it ready; `waiter` is told if it fails. */
  private startOne(waiter?: Waiter): void {
    const { host, log } = this.options;
    this.starting++;
    const { memoryMb, processes } = this.options.defaults;
    const reuse = this.reuse;
    const starting: Promise<Started> = reuse
      ? this.startSupervised(memoryMb, processes, reuse)
      : this.create(memoryMb, processes).then((container) => ({ container }));
    starting
      .then(async ({ container, supervisor, armed: supervised }) => {
        const armed = this.closed
          ? undefined
          : supervisor
            ? // The supervisor's first reset armed the driver (`startSupervised`); one that failed left none.
              supervised
            : await this.arm(container).catch((error: unknown) => {
                log?.('warn', { host, err: String(error) }, 'could not arm a warm container');
                return undefined;
              });
        const now = Date.now();
        this.starting--;
        // A closed pool removes it (see `ready`).
        this.ready({
          container,
          id: container.id,
          createdAt: now,
          startedAt: now,
          runs: 0,
          memoryMb,
          processes,
          ...(armed ? { armed } : {}),
          ...(supervisor ? { supervisor } : {}),
        });
      })
      .catch((error: unknown) => {
        this.starting--;
        log?.('warn', { host, err: String(error) }, 'could not start a warm container');
        const at = waiter ? this.waiters.indexOf(waiter) : -1;
        if (waiter && at !== -1) {
          this.waiters.splice(at, 1);
          waiter.reject(error instanceof Error ? error : new Error(String(error)));
        }
        this.grow();
      });
  }

  /** A container ready for a run: to the longest-waiting run, else kept idle. */
  private ready(warm: Warm): void {
    if (this.closed) {
      disarm(warm);
      return this.remove(warm.container);
    }
    this.lastReady = performance.now();
    const waiter = this.waiters.shift();
    if (waiter) {
      this.busy++;
      warm.runs++;
      waiter.resolve(warm);
      // The pool is not stalled: the other waiters' clocks start again.
      this.grow();
      return;
    }
    this.idle.push(warm);
    this.scheduleShrink();
  }

  /**
   * Start a reusable container with its supervisor attached, and have it reset (the checks the reuse rests on,
   * once before any program) and arm the Python driver. When that first reset fails the container still
   * serves one run, through `docker exec`, and is removed after it, as its next reset fails too.
   */
  private async startSupervised(memoryMb: number, processes: number, reuse: ReuseOptions): Promise<Started> {
    const container = await this.options.docker.createContainer(this.options.spec(memoryMb, processes, true));
    this.stats.started++;
    let supervisor: Supervisor;
    try {
      supervisor = await Supervisor.start(container);
    } catch (error) {
      this.remove(container);
      throw error;
    }
    try {
      await supervisor.reset(reuse.resetTimeoutMs ?? RESET_TIMEOUT_MS);
      return { container, supervisor, armed: { supervised: true } };
    } catch (error) {
      this.options.log?.(
        'warn',
        { host: this.options.host, container: container.id.slice(0, 12), err: String(error) },
        'could not arm a warm container: it serves one run without reuse',
      );
      return { container, supervisor };
    }
  }

  /** Start the Python driver in a warm container ahead of time; it waits for one job on stdin. */
  private async arm(container: Docker.Container): Promise<Warm['armed']> {
    const exec = await sandboxExec(container, armedCommand(), { stdin: true });
    const stream = await exec.start({ hijack: true, stdin: true });
    return { exec, stream };
  }

  /** The first idle container still fresh enough and whole; stale or broken ones are removed. */
  private takeIdle(): Warm | undefined {
    let warm: Warm | undefined;
    while ((warm = this.idle.shift())) {
      // A supervisor that broke while idle (its container stopped or its stream closed) cannot serve a run.
      if (Date.now() - warm.createdAt < this.options.maxIdleMs && !warm.supervisor?.broken) return warm;
      disarm(warm);
      this.remove(warm.container);
    }
    return undefined;
  }

  /** A ready container for one run: a warm one when there is one, else (reuse on) the next one ready, else a fresh start. */
  async acquire(memoryMb: number, processes: number): Promise<Warm> {
    this.lastDemand = performance.now();
    let warm = this.takeIdle();
    if (warm) {
      this.busy++;
      warm.runs++;
    }
    this.refill();
    if (!warm && this.reuse) warm = await this.wait();
    if (!warm) {
      const container = await this.create(memoryMb, processes);
      const now = Date.now();
      this.busy++;
      return { container, id: container.id, createdAt: now, startedAt: now, runs: 1, memoryMb, processes };
    }
    if (warm.memoryMb !== memoryMb || warm.processes !== processes) {
      const memory = memoryMb * 1024 * 1024;
      // Raising the limit must raise memory+swap first, lowering it must lower memory first.
      const update =
        memoryMb > warm.memoryMb
          ? { MemorySwap: memory, Memory: memory, PidsLimit: processes }
          : { Memory: memory, MemorySwap: memory, PidsLimit: processes };
      try {
        await warm.container.update(update);
      } catch (error) {
        this.release(warm, false);
        throw error;
      }
      warm.memoryMb = memoryMb;
      warm.processes = processes;
    }
    return warm;
  }

  /** Wait for the next container ready (reset or started); `grow` decides when to start one for this run. */
  private wait(): Promise<Warm> {
    return new Promise<Warm>((resolve, reject) => {
      if (this.closed) return reject(new Error('the sandbox is shutting down'));
      this.waiters.push({ resolve, reject, since: performance.now(), grew: false });
      this.grow();
    });
  }

  /**
   * Start containers for waiting runs: at once when nothing is on its way back (no container busy,
   * resetting or starting); else, while the pool is stalled (no container became ready for `growAfterMs`,
   * as when every container holds a long run), one per `growAfterMs`; never above `maxContainers`. A pool
   * that keeps handing out reset containers does not grow: measured on a burst of 20 short runs on 2
   * loaded cores, a container started for each waiting run only took CPU from the resets and the runs
   * (p50 twice as slow, and runs waiting past their wall-clock limit).
   */
  private grow(): void {
    clearTimeout(this.growTimer);
    this.growTimer = undefined;
    if (this.closed || this.waiters.length === 0) return;
    const cap = Math.max(this.options.size, this.options.maxContainers ?? this.options.size);
    const after = this.options.growAfterMs ?? 2_000;
    const now = performance.now();
    let next: number | undefined;
    for (const waiter of this.waiters) {
      if (waiter.grew) continue;
      if (this.total >= cap) break;
      const coming = this.busy + this.resetting + this.starting;
      const since = Math.max(waiter.since, this.lastReady, this.lastGrow);
      if (coming === 0 || now - since >= after) {
        waiter.grew = true;
        this.lastGrow = now;
        this.startOne(waiter);
      } else next = Math.min(next ?? Infinity, since + after - now);
    }
    if (next !== undefined) {
      this.growTimer = setTimeout(() => this.grow(), Math.max(1, next));
      this.growTimer.unref();
    }
  }

  /** Remove ready containers above `size` once the pool has had no run for `shrinkAfterMs`. */
  private scheduleShrink(): void {
    if (!this.reuse || this.shrinkTimer || this.idle.length === 0 || this.total <= this.options.size) return;
    const after = this.options.shrinkAfterMs ?? 5_000;
    const wait = Math.max(1, this.lastDemand + after - performance.now());
    this.shrinkTimer = setTimeout(() => {
      this.shrinkTimer = undefined;
      // Runs came since: wait until none came for the whole time.
      if (performance.now() - this.lastDemand < after) return this.scheduleShrink();
      // The most used go first: the fresh ones have their whole life before them.
      this.idle.sort((a, b) => b.runs - a.runs);
      while (this.total > this.options.size && this.idle.length > 0) {
        const warm = this.idle.shift()!;
        disarm(warm);
        this.remove(warm.container);
      }
      this.scheduleShrink();
    }, wait);
    this.shrinkTimer.unref();
  }

  /**
   * A run is done with its container. Without reuse, or when the run may have left anything the reset
   * does not undo (`reusable` false: the runner's call), or past the caps, it is removed with everything
   * the program started. Otherwise it is reset (see `resetContainer`) and ready again; any failure of the
   * reset removes it.
   */
  release(warm: Warm, reusable: boolean): void {
    this.busy--;
    const reuse = this.reuse;
    const age = Date.now() - warm.startedAt;
    if (!reuse || !reusable || this.closed || warm.runs >= reuse.maxRuns || age >= reuse.maxAgeMs) {
      disarm(warm);
      this.remove(warm.container);
      if (reuse) {
        this.refill();
        this.grow();
      }
      return;
    }
    this.resetting++;
    this.reset(warm, reuse).then(
      (fresh) => {
        this.resetting--;
        this.stats.reused++;
        this.ready(fresh);
      },
      (error: unknown) => {
        this.resetting--;
        this.stats.resetFailures++;
        this.options.log?.(
          'warn',
          { host: this.options.host, container: warm.id.slice(0, 12), runs: warm.runs, err: String(error) },
          'a used sandbox container could not be reset: removed',
        );
        disarm(warm);
        this.remove(warm.container);
        this.refill();
        this.grow();
      },
    );
  }

  private async reset(warm: Warm, reuse: ReuseOptions): Promise<Warm> {
    const { supervisor } = warm;
    if (!supervisor) throw new Error('not reusable: it has no supervisor');
    if (warm.runs === 1) {
      // Checked once per container, before its first reset.
      const problem = reuseProblem(await warm.container.inspect());
      if (problem) throw new Error(`not reusable: ${problem}`);
    }
    await supervisor.reset(reuse.resetTimeoutMs ?? RESET_TIMEOUT_MS);
    const peakReset = await resetPeakMemory(warm.id);
    const baseline = await readCgroupUsage(warm.id);
    if (baseline.cpuMs === undefined || baseline.oomKills === undefined)
      throw new Error("the container's cgroup cannot be read: its runs could not be told apart");
    return { ...warm, armed: { supervised: true }, baseline, peakReset, createdAt: Date.now() };
  }

  /** Start no more containers; containers that finish starting from now on are removed. */
  stop(): void {
    this.closed = true;
    clearTimeout(this.growTimer);
    clearTimeout(this.shrinkTimer);
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('the sandbox is shutting down'));
  }

  /** Remove every warm container and wait until the pool's starts, resets and removals are all done. */
  async drain(): Promise<void> {
    const removeIdle = (): void => {
      for (const warm of this.idle.splice(0)) {
        disarm(warm);
        this.remove(warm.container);
      }
    };
    removeIdle();
    while (this.starting > 0 || this.resetting > 0 || this.removals.size > 0) {
      await Promise.allSettled([...this.removals]);
      if (this.starting > 0 || this.resetting > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      removeIdle();
    }
  }
}

/** Let go of a container's armed driver and supervisor: it is being removed. */
function disarm(warm: Warm): void {
  if (warm.armed && 'stream' in warm.armed) warm.armed.stream.destroy();
  warm.supervisor?.destroy();
}
