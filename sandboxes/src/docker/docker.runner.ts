import { randomBytes, randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Environment } from '@arena/contracts';
import { normalisePipName, type PackageManifest } from '../install.js';
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
import { DockerDemuxer, MarkerSplitter } from './demux.js';
import { readCgroupUsage } from './cgroup.js';
import { parseDockerHosts, type DockerHostConfig } from './docker-host.js';
import { armedCommand, recipeFor, SANDBOX_ENV, type Recipe } from './recipes.js';

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
  log?: (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;
}

const SANDBOX_USER = '1000:1000';
const LABEL = 'arena.sandbox';
const EXIT_SIGKILL = 137;
const EXIT_SIGXCPU = 152;
const EXIT_SIGXFSZ = 153;
/** How long a run may go on producing output after its main process exited (children holding stdout). */
const AFTER_EXIT_GRACE_MS = 150;
const POLL_MS = 100;
/** A stopped sandbox container younger than this may still belong to a live runner. */
const STOPPED_GRACE_MS = 5 * 60_000;
/** Base64 text per argv word; Linux caps one argument at 128 KiB. */
const ARG_CHUNK = 96 * 1024;
/** Everything passed in argv together stays well under the kernel's 2 MiB. */
const MAX_PAYLOAD = 1_200_000;
const FILE_NAME = /^(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,200}$/;

/**
 * The script every run executes in its container (as the unprivileged user, via `sh -c`): writes the
 * files from base64 argv words, runs the compile step with its output on stderr, prints the run's marker,
 * then replaces itself with the program, stdin from a file, CPU time capped with `ulimit -t`.
 */
const DRIVER = String.raw`
cd /sandbox || exit 120
n=$1; shift
while [ "$n" -gt 0 ]; do
  f=$1; k=$2; shift 2
  case "$f" in */*) mkdir -p "${'$'}{f%/*}" || exit 121;; esac
  : > "$f" || exit 121
  while [ "$k" -gt 0 ]; do printf '%s' "$1" | base64 -d >> "$f" || exit 121; shift; k=$((k-1)); done
  n=$((n-1))
done
compile=$1; run=$2; cpu=$3; marker=$4
if [ -n "$compile" ]; then
  ( eval "$compile" ) </dev/null 1>&2 || exit $?
fi
printf '%s' "$marker" >&2
ulimit -H -t $((cpu + 1)) 2>/dev/null
ulimit -S -t "$cpu" 2>/dev/null
if [ -f .stdin ]; then exec < .stdin; else exec < /dev/null; fi
eval "exec $run"
`;

interface Warm {
  container: Docker.Container;
  id: string;
  createdAt: number;
  memoryMb: number;
  processes: number;
  /** The Python driver already started in the container, waiting for a job on stdin. */
  armed?: { exec: Docker.Exec; stream: Duplex };
}

interface Host {
  config: DockerHostConfig;
  idle: Warm[];
  starting: number;
  inflight: number;
  /** Runs this host has taken, for health and balancing checks. */
  runs: number;
  waiters: (() => void)[];
  removals: Set<Promise<unknown>>;
  available: boolean;
  /** The engine runs on this machine, so its cgroups can be read directly. */
  local: boolean;
  manifest?: PackageManifest;
  error?: string;
}

interface Outcome {
  exitCode?: number;
  compiled: boolean;
  killedFor?: 'timeout' | 'output_limit' | 'cancelled';
  oomKilled: boolean;
  cpuMs?: number;
  peakMemoryBytes?: number;
}

/**
 * Python, C, C++, Java, Go, Rust, Bash and Node.js programs in Docker containers (dockerode): no network,
 * read-only root, a small tmpfs work dir, memory = memory+swap, a pids limit, a CPU quota, every
 * capability dropped, no-new-privileges, an unprivileged user, ulimits, no log copy. Each container runs
 * one program and is then force-removed with everything it started; a warm pool keeps ready ones.
 */
export class DockerRunner implements Runner {
  readonly kind = 'docker' as const;
  readonly isolation = 'container' as const;
  readonly image: string;
  private readonly hosts: Host[];
  private readonly poolSize: number;
  private readonly maxConcurrent: number;
  private readonly defaults: RunLimits;
  /** Labels every container this runner starts (`arena.owner`). */
  readonly owner = randomUUID();
  private closed = false;
  private ready?: Promise<boolean>;

  constructor(private readonly options: DockerRunnerOptions = {}) {
    this.image = options.image ?? 'arena-sandbox:latest';
    this.poolSize = options.poolSize ?? 2;
    this.maxConcurrent = options.maxConcurrent ?? 8;
    this.defaults = options.defaults ?? DEFAULT_LIMITS;
    this.hosts = (options.hosts ?? parseDockerHosts(process.env.DOCKER_HOSTS)).map((config) => ({
      config,
      idle: [],
      starting: 0,
      inflight: 0,
      runs: 0,
      waiters: [],
      removals: new Set(),
      available: false,
      local: config.name.startsWith('unix://') || config.name.startsWith('/'),
    }));
  }

  supports(environment: Environment): boolean {
    return recipeFor(environment, '', this.defaults.memoryMb) !== undefined;
  }

  /** Whether any host answers and has the image; hosts that do are warmed. Safe to call repeatedly. */
  start(): Promise<boolean> {
    this.ready ??= Promise.all(this.hosts.map((host) => this.startHost(host))).then(() =>
      this.hosts.some((host) => host.available),
    );
    return this.ready;
  }

  /** Per host: reachable, image present, error if not. */
  describeHosts(): {
    name: string;
    available: boolean;
    idle: number;
    inflight: number;
    runs: number;
    error?: string;
  }[] {
    return this.hosts.map((host) => ({
      name: host.config.name,
      available: host.available,
      idle: host.idle.length,
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
    const { docker } = host.config;
    try {
      await docker.ping();
      await docker.getImage(this.image).inspect();
    } catch (error) {
      host.error = `Docker host ${host.config.name}: ${(error as Error).message}`;
      if (/no such image/i.test(host.error)) host.error += ` (build it offline with: bash sandboxes/images/build.sh)`;
      this.options.log?.('warn', { host: host.config.name, err: host.error }, 'docker host unavailable');
      return;
    }
    host.available = true;
    await this.sweep(host);
    this.refill(host);
    host.manifest = await this.readManifest(host).catch((error: unknown) => {
      this.options.log?.('warn', { host: host.config.name, err: String(error) }, 'could not read the image manifest');
      return undefined;
    });
  }

  /**
   * Containers another arena process left behind when it died. Several processes may share an engine, so
   * a container is an orphan only by age: a running one older than any warm container may be, a stopped
   * one older than the moments another runner may hold it so (just created and not yet started, or just
   * finished and being removed).
   */
  private async sweep(host: Host): Promise<void> {
    const now = Date.now();
    const stale = now - 2 * (this.options.maxIdleMs ?? 30 * 60_000);
    const containers = await host.config.docker.listContainers({ all: true, filters: { label: [LABEL] } });
    for (const info of containers) {
      const created = Number(info.Labels['arena.created'] ?? 0);
      const orphan = info.State === 'running' ? created < stale : created < now - STOPPED_GRACE_MS;
      if (orphan) this.remove(host, host.config.docker.getContainer(info.Id));
    }
  }

  private async readManifest(host: Host): Promise<PackageManifest> {
    const script =
      'python3 -c \'import importlib.metadata as m; print("\\n".join(sorted({d.metadata["Name"] for d in m.distributions()})))\'; ' +
      "echo ---; dpkg-query -W -f '${Package}\\n'";
    const container = await this.createContainer(host, this.defaults.memoryMb, this.defaults.processes);
    try {
      const exec = await container.exec({ Cmd: ['/bin/sh', '-c', script], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      let stdout = '';
      const demux = new DockerDemuxer((stream, data) => {
        if (stream === 'stdout') stdout += data.toString();
      });
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => demux.push(chunk));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      const [pip = '', apt = ''] = stdout.split('---\n');
      const lines = (text: string): string[] =>
        text
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean);
      return {
        pip: new Set(lines(pip).map(normalisePipName)),
        apt: new Set(lines(apt)),
        npm: new Set(),
        cargo: new Set(),
        go: new Set(),
      };
    } finally {
      this.remove(host, container);
    }
  }

  private containerSpec(memoryMb: number, processes: number): Docker.ContainerCreateOptions {
    const workDirMb = this.options.workDirMb ?? 64;
    const fileSize = (this.options.fileSizeMb ?? 32) * 1024 * 1024;
    const openFiles = this.options.openFiles ?? 256;
    const memory = memoryMb * 1024 * 1024;
    return {
      Image: this.image,
      Cmd: ['sleep', 'infinity'],
      User: SANDBOX_USER,
      WorkingDir: '/sandbox',
      Env: [...SANDBOX_ENV],
      Tty: false,
      OpenStdin: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      NetworkDisabled: true,
      StopSignal: 'SIGKILL',
      Labels: { [LABEL]: '1', 'arena.created': String(Date.now()), 'arena.owner': this.owner },
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Init: true,
        Tmpfs: {
          '/sandbox': `rw,exec,nosuid,nodev,size=${workDirMb}m,uid=1000,gid=1000,mode=0700`,
          '/tmp': 'rw,noexec,nosuid,nodev,size=16m,mode=1777',
        },
        Memory: memory,
        MemorySwap: memory,
        PidsLimit: processes,
        NanoCpus: Math.round((this.options.cpus ?? 1) * 1e9),
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Ulimits: [
          { Name: 'nofile', Soft: openFiles, Hard: openFiles },
          { Name: 'fsize', Soft: fileSize, Hard: fileSize },
          { Name: 'core', Soft: 0, Hard: 0 },
        ],
        LogConfig: { Type: 'none', Config: {} },
        OomScoreAdj: 1000,
        IpcMode: 'private',
        Privileged: false,
        AutoRemove: false,
      },
    };
  }

  private async createContainer(host: Host, memoryMb: number, processes: number): Promise<Docker.Container> {
    const container = await host.config.docker.createContainer(this.containerSpec(memoryMb, processes));
    try {
      await container.start();
    } catch (error) {
      this.remove(host, container);
      throw error;
    }
    return container;
  }

  /** Keep `poolSize` ready containers per host, started a few at a time. */
  private refill(host: Host): void {
    if (this.closed || !host.available) return;
    while (host.idle.length + host.starting < this.poolSize) {
      host.starting++;
      const { memoryMb, processes } = this.defaults;
      this.createContainer(host, memoryMb, processes)
        .then(async (container) => {
          if (this.closed) return this.remove(host, container);
          const armed = await this.arm(container).catch((error: unknown) => {
            this.options.log?.(
              'warn',
              { host: host.config.name, err: String(error) },
              'could not arm a warm container',
            );
            return undefined;
          });
          if (this.closed) return this.remove(host, container);
          host.idle.push({
            container,
            id: container.id,
            createdAt: Date.now(),
            memoryMb,
            processes,
            ...(armed ? { armed } : {}),
          });
        })
        .catch((error: unknown) => {
          this.options.log?.(
            'warn',
            { host: host.config.name, err: String(error) },
            'could not start a warm container',
          );
        })
        .finally(() => {
          host.starting--;
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

  private remove(host: Host, container: Docker.Container): void {
    const removal = container
      .remove({ force: true, v: true })
      .catch((error: unknown) => {
        if (!/no such container|is already in progress/i.test(String(error)))
          this.options.log?.('warn', { host: host.config.name, err: String(error) }, 'could not remove a container');
      })
      .finally(() => host.removals.delete(removal));
    host.removals.add(removal);
  }

  private pickHost(): Host | undefined {
    const live = this.hosts.filter((host) => host.available);
    return live.sort((a, b) => b.idle.length - a.idle.length || a.inflight - b.inflight)[0];
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

  /** A ready container for one run: a warm one when there is one, else a fresh start. */
  private async acquire(host: Host, memoryMb: number, processes: number): Promise<Warm> {
    const maxIdle = this.options.maxIdleMs ?? 30 * 60_000;
    let warm: Warm | undefined;
    while ((warm = host.idle.shift())) {
      if (Date.now() - warm.createdAt < maxIdle) break;
      this.remove(host, warm.container);
    }
    this.refill(host);
    if (!warm) {
      const container = await this.createContainer(host, memoryMb, processes);
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
    const bad = Object.keys(request.files ?? {}).find((name) => !FILE_NAME.test(name));
    if (bad) return say('internal_error', `refused file name ${JSON.stringify(bad)}: use relative paths without ..`);
    const args = encodeFiles(files);
    if (args.bytes > MAX_PAYLOAD) return say('internal_error', 'the program and its input are too large to run');

    await this.slot(host);
    host.runs++;
    try {
      const gateKill = { kill: (): void => undefined };
      const gate = new OutputGate(limits.outputBytes, options.onOutput, () => gateKill.kill());
      const outcome = await this.execute(host, recipe, args.words, limits, gate, gateKill, options.signal);
      gate.end();
      return finish(this.verdict(outcome, limits, recipe));
    } catch (error) {
      this.options.log?.('error', { host: host.config.name, err: String(error) }, 'docker run failed');
      return say('internal_error', `the sandbox failed: ${(error as Error).message}`);
    } finally {
      this.release(host);
    }
  }

  private verdict(outcome: Outcome, limits: RunLimits, recipe: Recipe): Omit<RunResult, 'durationMs' | 'runner'> {
    const base: Omit<RunResult, 'durationMs' | 'runner' | 'status'> = {};
    if (outcome.exitCode !== undefined) base.exitCode = outcome.exitCode;
    if (outcome.cpuMs !== undefined) base.cpuMs = outcome.cpuMs;
    if (outcome.peakMemoryBytes !== undefined) base.peakMemoryBytes = outcome.peakMemoryBytes;
    const memoryMb = Math.max(limits.memoryMb, recipe.minMemoryMb);
    if (outcome.killedFor === 'timeout')
      return { ...base, status: 'timeout', message: `wall-clock limit of ${limits.wallMs} ms exceeded` };
    if (outcome.killedFor === 'output_limit')
      return { ...base, status: 'output_limit', message: `output limit of ${limits.outputBytes} bytes exceeded` };
    if (outcome.killedFor === 'cancelled') return { ...base, status: 'internal_error', message: 'run cancelled' };
    if (outcome.oomKilled || (outcome.exitCode === EXIT_SIGKILL && !outcome.compiled))
      return { ...base, status: 'memory_limit', message: `memory limit of ${memoryMb} MB exceeded` };
    const cpuSpent = outcome.cpuMs !== undefined && outcome.cpuMs >= limits.cpuMs;
    if (outcome.exitCode === EXIT_SIGXCPU || (outcome.exitCode === EXIT_SIGKILL && cpuSpent && !outcome.oomKilled))
      return { ...base, status: 'timeout', message: `CPU time limit of ${limits.cpuMs} ms exceeded` };
    if (!outcome.compiled) {
      if (outcome.exitCode === 120 || outcome.exitCode === 121)
        return { ...base, status: 'internal_error', message: 'the sandbox could not write the program' };
      return { ...base, status: 'compile_error' };
    }
    if (outcome.exitCode === 0) return { ...base, status: 'ok' };
    if (outcome.exitCode === EXIT_SIGXFSZ)
      return { ...base, status: 'runtime_error', message: 'file size limit exceeded' };
    if (outcome.exitCode === EXIT_SIGKILL)
      return { ...base, status: 'memory_limit', message: `killed, most likely for memory (limit ${memoryMb} MB)` };
    return { ...base, status: 'runtime_error' };
  }

  private async execute(
    host: Host,
    recipe: Recipe,
    words: string[],
    limits: RunLimits,
    gate: OutputGate,
    gateKill: { kill: () => void },
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    const memoryMb = Math.max(limits.memoryMb, recipe.minMemoryMb);
    const processes = Math.max(limits.processes, recipe.minProcesses);
    const deadline = performance.now() + limits.wallMs;
    const warm = await this.acquire(host, memoryMb, processes);
    const { container } = warm;
    const marker = `\u0001arena-${randomBytes(12).toString('hex')}\u0002`;
    const outcome: Outcome = { compiled: false, oomKilled: false };
    let stream: Duplex | undefined;
    let poll: NodeJS.Timeout | undefined;
    let wall: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const cpuSeconds = Math.max(1, Math.ceil(limits.cpuMs / 1000));
      const armed = recipe.armed ? warm.armed : undefined;
      // A run of another language closes the waiting driver's stdin: it exits without a trace.
      if (!armed) warm.armed?.stream.end();
      const exec =
        armed?.exec ??
        (await container.exec({
          Cmd: recipe.direct
            ? recipe.direct(marker, cpuSeconds, words)
            : [
                '/bin/sh',
                '-c',
                DRIVER,
                'arena',
                ...words,
                recipe.compile ?? '',
                recipe.run,
                String(cpuSeconds),
                marker,
              ],
          AttachStdout: true,
          AttachStderr: true,
          AttachStdin: false,
          Tty: false,
          User: SANDBOX_USER,
          WorkingDir: '/sandbox',
          Env: [...SANDBOX_ENV],
        }));
      const attached = armed?.stream ?? (await exec.start({ hijack: true, stdin: false }));
      stream = attached;
      const splitter = new MarkerSplitter(Buffer.from(marker), limits.outputBytes, (data) => {
        gate.writeBytes('stderr', data);
      });
      const demux = new DockerDemuxer((which, data) => {
        if (which === 'stdout') gate.writeBytes('stdout', data);
        else splitter.push(data);
      });
      let finished = false;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          if (finished) return;
          finished = true;
          resolve();
        };
        const stop = (reason: NonNullable<Outcome['killedFor']>): void => {
          outcome.killedFor ??= reason;
          container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
          attached.destroy();
          done();
        };
        gateKill.kill = () => stop('output_limit');
        wall = setTimeout(() => stop('timeout'), Math.max(0, deadline - performance.now()));
        if (signal) {
          onAbort = () => stop('cancelled');
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
        attached.on('data', (chunk: Buffer) => demux.push(chunk));
        if (armed) attached.write(`${JSON.stringify([marker, cpuSeconds, ...words])}\n`);
        attached.on('end', done);
        attached.on('close', done);
        attached.on('error', done);
        // The main process may exit while children it left behind hold stdout open: end the run then.
        let exitedAt: number | undefined;
        poll = setInterval(() => {
          exec
            .inspect()
            .then((info) => {
              if (info.Running) return;
              exitedAt ??= performance.now();
              if (performance.now() - exitedAt >= AFTER_EXIT_GRACE_MS) {
                attached.destroy();
                done();
              }
            })
            .catch(() => undefined);
        }, POLL_MS);
      });
      clearInterval(poll);
      clearTimeout(wall);
      if (!splitter.seen) splitter.flush();
      outcome.compiled = splitter.seen;
      if (!outcome.killedFor) {
        const info = await exec.inspect();
        if (typeof info.ExitCode === 'number') outcome.exitCode = info.ExitCode;
        if (outcome.exitCode === EXIT_SIGKILL) {
          const state = await container.inspect().catch(() => undefined);
          outcome.oomKilled = state?.State.OOMKilled === true;
        }
        if (host.local) {
          const usage = await readCgroupUsage(container.id);
          if (usage.cpuMs !== undefined) outcome.cpuMs = usage.cpuMs;
          if (usage.peakMemoryBytes !== undefined) outcome.peakMemoryBytes = usage.peakMemoryBytes;
          const nearLimit = (usage.peakMemoryBytes ?? 0) >= memoryMb * 1024 * 1024 * 0.95;
          if (outcome.exitCode === EXIT_SIGKILL && ((usage.memoryLimitHits ?? 0) > 0 || nearLimit))
            outcome.oomKilled = true;
        }
      }
      return outcome;
    } finally {
      clearInterval(poll);
      clearTimeout(wall);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      stream?.destroy();
      // One run per container: it goes, with every process the program started.
      this.remove(host, container);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready?.catch(() => undefined);
    for (const host of this.hosts) {
      for (const warm of host.idle.splice(0)) this.remove(host, warm.container);
      while (host.starting > 0 || host.removals.size > 0) {
        await Promise.allSettled([...host.removals]);
        if (host.starting > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        for (const warm of host.idle.splice(0)) this.remove(host, warm.container);
      }
    }
  }
}

/** Files as argv words: for each, its name, how many base64 words follow, and the words. */
function encodeFiles(files: Record<string, string>): { words: string[]; bytes: number } {
  const entries = Object.entries(files);
  const words: string[] = [String(entries.length)];
  let bytes = 0;
  for (const [name, content] of entries) {
    const base64 = Buffer.from(content).toString('base64');
    const parts: string[] = [];
    for (let at = 0; at < base64.length; at += ARG_CHUNK) parts.push(base64.slice(at, at + ARG_CHUNK));
    words.push(name, String(parts.length), ...parts);
    bytes += base64.length + name.length;
  }
  return { words, bytes };
}
