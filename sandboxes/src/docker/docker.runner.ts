import { randomUUID } from 'node:crypto';
import type { Environment } from '@arena/contracts';
import type { PackageManifest } from '../install.js';
import { transpileForIsolate } from '../isolated-vm/transpile.js';
import { OutputGate } from '../output.js';
import { runEnding } from '../result.js';
import {
  DEFAULT_LIMITS,
  resolveLimits,
  type RunLimits,
  type RunOptions,
  type RunRequest,
  type RunResult,
  type Runner,
} from '../types.js';
import { parseDockerHosts, type DockerHostConfig } from './docker-host.js';
import { dockerHostProblem, type DockerHostStatus } from './docker-host-health.js';
import { verdict, type Outcome } from './exit-status.js';
import { readImageManifest } from './image-manifest.js';
import { recipeFor, type Recipe } from './recipes.js';
import { runInContainer } from './run-in-container.js';
import { sandboxContainerSpec } from './sandbox-container.js';
import { encodeFiles, isSafeFileName, MAX_PAYLOAD } from './shell-driver.js';
import { WarmPool, type DockerLog } from './warm-pool.js';
import { LiveApps, type LiveAppsOptions } from './apps/live-apps.js';

export interface DockerRunnerOptions {
  /** Engines to run on; default `DOCKER_HOSTS` or the local socket. */
  hosts?: DockerHostConfig[];
  image?: string;
  /** Ready containers kept per host so a run does not pay a container start. 0 turns the pool off. */
  poolSize?: number;
  /** Runs at once per host; more wait their turn. */
  maxConcurrent?: number;
  defaults?: RunLimits;
  /** CPU quota per run, in cores. */
  cpus?: number;
  workDirMb?: number;
  fileSizeMb?: number;
  openFiles?: number;
  /** A warm container older than this is replaced rather than used. */
  maxIdleMs?: number;
  /**
   * Reset and reuse a used container for another run instead of removing it, on local engines (see
   * `WarmPool.release` and `RESET_SCRIPT`), at most `maxRuns` runs (default 20) and `maxAgeMs` (default
   * 10 minutes, at most `maxIdleMs`) per container; `false` gives every run a fresh container. Default on.
   */
  reuse?: { maxRuns?: number; maxAgeMs?: number } | false;
  /**
   * With reuse, a run that finds no ready container waits for a used one to be reset, and starts one of its
   * own when none became ready for this long (default 2 s), up to `maxConcurrent` containers per host.
   */
  growAfterMs?: number;
  /** With reuse, containers above `poolSize` are removed after this long without a run (default 5 s). */
  shrinkAfterMs?: number;
  /**
   * How often the engines are swept for containers no live process holds (see `WarmPool.sweepOrphans`);
   * they are swept once when the runner starts too. Default one minute; 0 sweeps only at start.
   */
  sweepEveryMs?: number;
  log?: DockerLog;
  /**
   * Programs that serve (Streamlit, Gradio, Python web servers, Node's `http`) run as live apps on local
   * engines (see `LiveApps`); `false` runs none (they end `unsupported` or run as plain programs).
   */
  apps?: Omit<LiveAppsOptions, 'image' | 'owner' | 'log'> | false;
}

interface Host {
  config: DockerHostConfig;
  /** This engine's containers: the warm ones, and the removal of used ones. */
  pool: WarmPool;
  inflight: number;
  /** Runs this host has taken, for health and balancing checks. */
  runs: number;
  waiters: (() => void)[];
  available: boolean;
  /** The engine runs on this machine, so its cgroups can be read directly. */
  local: boolean;
  manifest?: PackageManifest;
  error?: string;
}

/**
 * Whether a run's container may be reset and reused (see `WarmPool.release`): only when the run ended
 * normally, with its exit status known and the kernel's evidence read (a local engine's cgroup): not
 * stopped by the runner (wall clock, output limit, cancellation), no OOM kill and no fork the pids limit
 * refused during the run, not ended by the CPU limit or for memory, and not a run with an install block.
 *
 * Residual risk, accepted by the project: a reused container is weaker isolation between two programs
 * than a fresh one. The reset kills every process of the sandbox user and empties every writable place,
 * and checks both, but what the kernel keeps per container outside those survives: the cgroup's counters
 * (a program can read how much memory and CPU earlier runs used), the PID counter (how many processes they
 * started), the page cache (timing), a tmpfs's inode numbers, and the supervisor's bookkeeping, which a
 * driver forked from it finds in its memory (earlier runs' exit codes and output record sizes, never their
 * jobs or output: see `SUPERVISOR_SCRIPT`). A program could use these to signal to a later one, or learn a
 * little about an earlier one, not to change what it runs or reads. A kernel bug reachable from the sandbox
 * user that leaves state the reset does not look at would survive too, as it would survive in a fresh
 * container on the same kernel only until removal. Operators who do not accept this turn reuse off
 * (`ARENA_SANDBOX_REUSE=off`).
 */
function reusableAfter(
  outcome: Outcome,
  status: RunResult['status'],
  request: RunRequest,
  signal: AbortSignal | undefined,
): boolean {
  return (
    outcome.exitCode !== undefined &&
    outcome.killedFor === undefined &&
    outcome.oomKilled === false &&
    outcome.pidsLimitHit === false &&
    (status === 'ok' || status === 'runtime_error' || status === 'compile_error') &&
    !request.installCommand &&
    signal?.aborted !== true
  );
}

/**
 * Python, C, C++, Java, Go, Rust, Bash and Node.js programs in Docker containers (dockerode): no network,
 * read-only root, a small tmpfs work dir, memory = memory+swap, a pids limit, a CPU quota, every
 * capability dropped, no-new-privileges, an unprivileged user, ulimits, no log copy. Each container runs
 * one program and is then force-removed with everything it started, or (reuse on, the run ended normally)
 * reset and verified clean for another run (`reset`); a warm pool keeps ready ones and grows with demand.
 *
 * This class spreads the runs over the engines that answer (`docker-host-health`), one container per run
 * from each engine's `WarmPool` (`sandbox-container` says what a container is), runs the program there
 * (`run-in-container`, through the `shell-driver` or the recipe's own driver) and maps how it ended to a
 * status (`exit-status`).
 */
export class DockerRunner implements Runner {
  readonly kind = 'docker' as const;
  readonly isolation = 'container' as const;
  readonly image: string;
  private readonly hosts: Host[];
  private readonly maxConcurrent: number;
  private readonly defaults: RunLimits;
  /** Labels every container this runner starts (`arena.owner`). */
  readonly owner = randomUUID();
  private closed = false;
  private ready?: Promise<boolean>;
  private sweeper?: NodeJS.Timeout;
  /** The live apps this runner started (undefined when apps are off). */
  readonly apps?: LiveApps;

  constructor(private readonly options: DockerRunnerOptions = {}) {
    this.image = options.image ?? 'arena-sandbox:latest';
    if (options.apps !== false)
      this.apps = new LiveApps({
        ...options.apps,
        image: this.image,
        owner: this.owner,
        ...(options.log ? { log: options.log } : {}),
      });
    const poolSize = options.poolSize ?? 2;
    this.maxConcurrent = options.maxConcurrent ?? 8;
    this.defaults = options.defaults ?? DEFAULT_LIMITS;
    const maxIdleMs = options.maxIdleMs ?? 30 * 60_000;
    const reuse =
      options.reuse === false
        ? false
        : {
            maxRuns: Math.max(1, options.reuse?.maxRuns ?? 20),
            // A reused container is never older than the orphan sweep of another process allows (see `isOrphan`).
            maxAgeMs: Math.min(options.reuse?.maxAgeMs ?? 10 * 60_000, maxIdleMs),
          };
    this.hosts = (options.hosts ?? parseDockerHosts(process.env.DOCKER_HOSTS)).map((config) => {
      const local = config.name.startsWith('unix://') || config.name.startsWith('/');
      return {
        config,
        pool: new WarmPool({
          docker: config.docker,
          host: config.name,
          spec: (memoryMb, processes, reusable) =>
            sandboxContainerSpec(this.image, this.owner, this.options, memoryMb, processes, reusable),
          size: poolSize,
          maxIdleMs,
          defaults: this.defaults,
          reuse,
          local,
          maxContainers: this.maxConcurrent,
          ...(options.growAfterMs !== undefined ? { growAfterMs: options.growAfterMs } : {}),
          ...(options.shrinkAfterMs !== undefined ? { shrinkAfterMs: options.shrinkAfterMs } : {}),
          ...(options.log ? { log: options.log } : {}),
        }),
        inflight: 0,
        runs: 0,
        waiters: [],
        available: false,
        local,
      };
    });
  }

  supports(environment: Environment): boolean {
    if ((environment === 'streamlit' || environment === 'gradio' || environment === 'pygame') && this.apps)
      return this.hosts.some((host) => host.local);
    return recipeFor(environment, '', this.defaults.memoryMb) !== undefined;
  }

  /** Whether this program runs as a live app here (it serves, and apps are on). */
  servesApp(environment: Environment, code: string): boolean {
    return this.apps?.serves(environment, code) === true && this.hosts.some((host) => host.local);
  }

  /** Whether any host answers and has the image; hosts that do are warmed. Safe to call repeatedly. */
  start(): Promise<boolean> {
    this.ready ??= Promise.all(this.hosts.map((host) => this.startHost(host))).then(() => {
      this.sweepPeriodically();
      return this.hosts.some((host) => host.available);
    });
    return this.ready;
  }

  /** Per host: reachable, image present, error if not. */
  describeHosts(): DockerHostStatus[] {
    return this.hosts.map((host) => ({
      name: host.config.name,
      available: host.available,
      idle: host.pool.idleCount,
      inflight: host.inflight,
      runs: host.runs,
      ...(host.error ? { error: host.error } : {}),
    }));
  }

  /** What the image carries, for the install check (from the first available host). */
  manifest(): PackageManifest | undefined {
    return this.hosts.find((host) => host.manifest)?.manifest;
  }

  private async startHost(host: Host): Promise<void> {
    const problem = await dockerHostProblem(host.config, this.image);
    if (problem !== undefined) {
      host.error = problem;
      this.options.log?.('warn', { host: host.config.name, err: host.error }, 'docker host unavailable');
      return;
    }
    host.available = true;
    // What a killed arena process left on this engine goes before this runner adds its own.
    await this.sweep(host);
    host.pool.refill();
    host.manifest = await this.readManifest(host).catch((error: unknown) => {
      this.options.log?.('warn', { host: host.config.name, err: String(error) }, 'could not read the image manifest');
      return undefined;
    });
  }

  private async sweep(host: Host): Promise<void> {
    await host.pool.sweepOrphans().catch((error: unknown) => {
      this.options.log?.('warn', { host: host.config.name, err: String(error) }, 'could not sweep orphaned containers');
    });
  }

  /** Containers of an arena process that died while this one runs (several processes share the engine). */
  private sweepPeriodically(): void {
    const everyMs = this.options.sweepEveryMs ?? 60_000;
    if (everyMs <= 0 || this.closed) return;
    this.sweeper = setInterval(() => {
      for (const host of this.hosts) if (host.available) void this.sweep(host);
    }, everyMs);
    this.sweeper.unref();
  }

  private async readManifest(host: Host): Promise<PackageManifest> {
    const container = await host.pool.create(this.defaults.memoryMb, this.defaults.processes);
    try {
      return await readImageManifest(container);
    } finally {
      host.pool.remove(container);
    }
  }

  private pickHost(): Host | undefined {
    const live = this.hosts.filter((host) => host.available);
    return live.sort((a, b) => b.pool.idleCount - a.pool.idleCount || a.inflight - b.inflight)[0];
  }

  private async slot(host: Host): Promise<void> {
    if (host.inflight < this.maxConcurrent) {
      host.inflight++;
      return;
    }
    await new Promise<void>((resolve) => host.waiters.push(resolve));
  }

  private release(host: Host): void {
    const next = host.waiters.shift();
    if (next) next();
    else host.inflight--;
  }

  async run(request: RunRequest, options: RunOptions = {}): Promise<RunResult> {
    const limits = resolveLimits(request.limits, this.defaults);
    const { finish, say, refuseMissing } = runEnding(this.kind, options);
    if (this.closed) return say('internal_error', 'the sandbox is shutting down');
    let code = request.code;
    if (request.environment === 'typescript' || request.environment === 'javascript') {
      const prepared = await transpileForIsolate(code, request.environment);
      if (!prepared.ok) {
        options.onOutput?.({ stream: 'stderr', data: prepared.error });
        return finish({ status: 'compile_error', exitCode: 1 });
      }
      code = prepared.code;
    }
    if (this.apps && request.app !== false && this.servesApp(request.environment, request.code))
      return this.runApp(request, code, limits, options);
    const recipe = recipeFor(request.environment, code, limits.memoryMb);
    if (!recipe) return say('unsupported', `the Docker sandbox does not run ${request.environment}`);
    await this.start();
    const host = this.pickHost();
    if (!host) return say('unsupported', `no Docker engine is available for ${request.environment}`);

    const refused = host.manifest && refuseMissing(request.installCommand, host.manifest, 'this sandbox');
    if (refused) return refused;
    const files: Record<string, string> = {
      ...(request.files ?? {}),
      [recipe.file]: code,
      ...(request.stdin ? { '.stdin': request.stdin } : {}),
    };
    const bad = Object.keys(request.files ?? {}).find((name) => !isSafeFileName(name));
    if (bad) return say('internal_error', `refused file name ${JSON.stringify(bad)}: use relative paths without ..`);
    const args = encodeFiles(files);
    if (args.bytes > MAX_PAYLOAD) return say('internal_error', 'the program and its input are too large to run');

    await this.slot(host);
    host.runs++;
    try {
      const gateKill = { kill: (): void => undefined };
      const gate = new OutputGate(limits.outputBytes, options.onOutput, () => gateKill.kill());
      const outcome = await this.execute(host, recipe, args.words, limits, gate, gateKill, options, (ended) =>
        reusableAfter(ended, verdict(ended, limits, recipe.minMemoryMb).status, request, options.signal),
      );
      gate.end();
      return finish(verdict(outcome, limits, recipe.minMemoryMb));
    } catch (error) {
      this.options.log?.('error', { host: host.config.name, err: String(error) }, 'docker run failed');
      return say('internal_error', `the sandbox failed: ${(error as Error).message}`);
    } finally {
      this.release(host);
    }
  }

  /**
   * A program that serves, as a live app on a local engine (the arena reaches an app by its address on the
   * app's network, which only a local engine's host has a route to).
   */
  private async runApp(request: RunRequest, code: string, limits: RunLimits, options: RunOptions): Promise<RunResult> {
    const { say, refuseMissing } = runEnding(this.kind, options);
    await this.start();
    const host = this.hosts
      .filter((candidate) => candidate.available && candidate.local)
      .sort((a, b) => (this.apps?.liveCount(a.config.name) ?? 0) - (this.apps?.liveCount(b.config.name) ?? 0))[0];
    if (!host || !this.apps)
      return say(
        'unsupported',
        `${request.environment} apps need a Docker engine on this machine, and none is available`,
      );
    const refused = host.manifest && refuseMissing(request.installCommand, host.manifest, 'this sandbox');
    if (refused) return refused;
    host.runs++;
    return this.apps.run(
      { name: host.config.name, docker: host.config.docker },
      {
        environment: request.environment,
        code,
        ...(request.files ? { files: request.files } : {}),
        ...(request.stdin ? { stdin: request.stdin } : {}),
        ...(request.appOwner ? { owner: request.appOwner } : {}),
      },
      limits,
      options,
    );
  }

  /** One run in a container of its own, sized for the recipe; the wall-clock budget counts from here. */
  private async execute(
    host: Host,
    recipe: Recipe,
    words: string[],
    limits: RunLimits,
    gate: OutputGate,
    gateKill: { kill: () => void },
    { signal, onFigure }: RunOptions,
    reusable: (outcome: Outcome) => boolean,
  ): Promise<Outcome> {
    const memoryMb = Math.max(limits.memoryMb, recipe.minMemoryMb);
    const processes = Math.max(limits.processes, recipe.minProcesses);
    const deadline = performance.now() + limits.wallMs;
    const warm = await host.pool.acquire(memoryMb, processes);
    let outcome: Outcome | undefined;
    try {
      outcome = await runInContainer({
        warm,
        recipe,
        words,
        limits,
        deadline,
        gate,
        gateKill,
        signal,
        local: host.local,
        ...(onFigure ? { onFigure } : {}),
      });
      return outcome;
    } finally {
      // The container goes, with every process the program started; or, when the run ended normally and
      // reuse is on, it is reset for another run (in the background: this run's result does not wait).
      host.pool.release(warm, outcome !== undefined && reusable(outcome));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await this.apps?.close();
    for (const host of this.hosts) host.pool.stop();
    await this.ready?.catch(() => undefined);
    for (const host of this.hosts) await host.pool.drain();
  }
}
