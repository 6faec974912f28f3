import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Environment } from '@arena/contracts';
import type Docker from 'dockerode';
import { OutputGate } from '../../output.js';
import { runEnding } from '../../result.js';
import type { RunLimits, RunOptions, RunResult } from '../../types.js';
import { DockerDemuxer, MarkerSplitter } from '../demux.js';
import { SANDBOX_USER, sandboxExec } from '../sandbox-container.js';
import { driverCommand, encodeFiles, isSafeFileName, MAX_PAYLOAD } from '../shell-driver.js';
import type { DockerLog } from '../warm-pool.js';
import { APP_BRIDGE_PREFIX, APP_LABEL, appContainerSpec, appNetworkSpec, RESOLV_CONF } from './app-container.js';
import { ensureAppFirewall, type FirewallState } from './app-firewall.js';
import { appRecipeFor, servesApp, type AppRecipe } from './app-recipes.js';
import { listeningPorts } from './listening-ports.js';

const POLL_MS = 100;
const HEALTH_TIMEOUT_MS = 2_000;
/** Removed apps' tokens kept to answer 410 rather than 404. */
const TOMBSTONES = 10_000;
const PROGRAM_UID = Number(SANDBOX_USER.split(':')[0]);

export interface LiveAppsOptions {
  image: string;
  /** The runner's id (`arena.owner`). */
  owner: string;
  /** Where the arena serves apps: `<pathPrefix><token>/` (default `/api/apps/`). */
  pathPrefix?: string;
  /** Memory of an app's container, MB (default 768). */
  memoryMb?: number;
  /** CPU quota of an app, cores (default 1). */
  cpus?: number;
  /** Processes and threads an app may have (default 256). */
  processes?: number;
  /** Live apps per engine at once (default 10). */
  perHost?: number;
  /** How long an app lives after its battle closed (default 10 minutes). */
  ttlMs?: number;
  /** An app nobody requested for this long is removed (default 10 minutes). */
  idleMs?: number;
  /** An app is removed this long after it started whatever else happens (default 2 hours). */
  maxLifetimeMs?: number;
  /** How long a server has to listen and answer, at least (the run's wall budget when larger; default 60 s). */
  startMs?: number;
  /** CPU seconds an app's processes may use in all (`ulimit -t`; default 900). */
  cpuSeconds?: number;
  /** Install the host firewall rule that keeps apps off the host (default true). */
  firewall?: boolean;
  log?: DockerLog;
  now?: () => number;
}

/** Where a request for an app goes, and what it is. */
export interface AppTarget {
  host: string;
  port: number;
  /** The app is told its public path and gets it in requests (`AppRecipe.keepsPrefix`). */
  keepsPrefix: boolean;
  /** `/api/apps/<token>` (no trailing slash). */
  basePath: string;
  kind: 'app' | 'display';
}

export type AppLookup = { state: 'live'; target: AppTarget } | { state: 'gone' } | { state: 'unknown' };

/** One app's engine. */
export interface AppEngine {
  name: string;
  docker: Docker;
}

interface LiveApp {
  token: string;
  owner?: string;
  engine: AppEngine;
  container: Docker.Container;
  network: Docker.Network;
  target?: AppTarget;
  startedAt: number;
  lastUsedAt: number;
  /** Set when its battle closed: removed at this time. */
  expiresAt?: number;
  stream?: Duplex;
  removing?: Promise<void>;
}

/** What the run of an app saw before it ended. */
type StartOutcome =
  | { kind: 'ready'; target: AppTarget }
  | { kind: 'exited'; exitCode: number }
  | { kind: 'killed'; reason: 'timeout' | 'output_limit' | 'cancelled' };

/**
 * The live apps of this arena process: programs that serve (Streamlit, Gradio, Python web servers, Node's
 * `http`), each in a container on an internal Docker network of its own, reachable by the arena only.
 *
 * A run starts the app, streams its output until it listens (`/proc/net/tcp` of its container) and answers
 * HTTP, and ends `ok` with `preview: { kind: 'app', url: '/api/apps/<token>/' }`; the app then lives on until
 * its battle closed `ttlMs` ago, nobody used it for `idleMs`, or `maxLifetimeMs` passed. The token is the
 * only way to it (`lookup`); the proxy's target comes from here and never from the request.
 */
export class LiveApps {
  private readonly apps = new Map<string, LiveApp>();
  private readonly gone = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;
  private firewall?: Promise<FirewallState>;
  private resolvConf?: Promise<string | undefined>;
  private closed = false;
  readonly pathPrefix: string;

  constructor(private readonly options: LiveAppsOptions) {
    this.pathPrefix = options.pathPrefix ?? '/api/apps/';
    this.sweeper = setInterval(() => void this.sweep(), 1_000);
    this.sweeper.unref();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Whether a program runs as an app (see `servesApp`). */
  serves(environment: Environment, code: string): boolean {
    return servesApp(environment, code);
  }

  /** Whether the host firewall rule is in place (installed on the first app). */
  firewallState(): Promise<FirewallState> | undefined {
    return this.firewall;
  }

  /** Apps alive now (started ones that answer or still start), per engine. */
  liveCount(engine?: string): number {
    let count = 0;
    for (const app of this.apps.values()) if (!app.removing && (!engine || app.engine.name === engine)) count++;
    return count;
  }

  /** Where the app of a token is, or whether it was removed; unknown tokens are `unknown`. */
  lookup(token: string): AppLookup {
    const app = this.apps.get(token);
    if (app?.target && !app.removing) return { state: 'live', target: app.target };
    if (app || this.gone.has(token)) return { state: 'gone' };
    return { state: 'unknown' };
  }

  /** A live app's container (H2's hook: the arena photographs a display from inside it, `display-frame.ts`). */
  containerOf(token: string): Docker.Container | undefined {
    const app = this.apps.get(token);
    return app?.target && !app.removing ? app.container : undefined;
  }

  /** A request reached the app: it is not idle. */
  touch(token: string): void {
    const app = this.apps.get(token);
    if (app) app.lastUsedAt = this.now();
  }

  /** A battle closed: its apps live `ttlMs` more (the option's unless given) (`owner` starts with `<battleId>:`). Returns their tokens. */
  closeBattle(battleId: string, ttlMs = this.options.ttlMs ?? 10 * 60_000): string[] {
    const expiresAt = this.now() + ttlMs;
    const tokens: string[] = [];
    for (const app of this.apps.values())
      if (app.owner?.startsWith(`${battleId}:`)) {
        app.expiresAt = Math.min(app.expiresAt ?? Infinity, expiresAt);
        tokens.push(app.token);
      }
    return tokens;
  }

  /** Remove a battle's apps now (it was hidden, or a test is done with it). */
  async removeBattle(battleId: string): Promise<void> {
    await Promise.all(
      [...this.apps.values()].filter((app) => app.owner?.startsWith(`${battleId}:`)).map((app) => this.remove(app)),
    );
  }

  /**
   * Run a program as an app on an engine. Refused when the engine has `perHost` live apps and none of them
   * belongs to a closed battle (then the least recently used of those goes); an app of the same owner is
   * replaced (removed first).
   */
  async run(
    engine: AppEngine,
    request: { environment: Environment; code: string; files?: Record<string, string>; stdin?: string; owner?: string },
    limits: RunLimits,
    options: RunOptions,
  ): Promise<RunResult> {
    const { finish, say } = runEnding('docker', options);
    if (this.closed) return say('internal_error', 'the sandbox is shutting down');
    const token = randomBytes(16).toString('base64url');
    const basePath = `${this.pathPrefix}${token}`;
    const recipe = appRecipeFor(request.environment, request.code, basePath);
    if (!recipe) return say('unsupported', `${request.environment} programs do not run as apps`);
    const bad = Object.keys(request.files ?? {}).find((name) => !isSafeFileName(name));
    if (bad) return say('internal_error', `refused file name ${JSON.stringify(bad)}: use relative paths without ..`);
    const files: Record<string, string> = {
      ...(request.files ?? {}),
      ...recipe.files,
      [recipe.file]: request.code,
      ...(request.stdin ? { '.stdin': request.stdin } : {}),
    };
    const args = encodeFiles(files);
    if (args.bytes > MAX_PAYLOAD) return say('internal_error', 'the program and its input are too large to run');

    if (request.owner) {
      const old = [...this.apps.values()].filter((app) => app.owner === request.owner);
      await Promise.all(old.map((app) => this.remove(app)));
    }
    const room = this.makeRoom(engine.name);
    if (!room.ok) return say('unsupported', room.message);
    if (this.options.firewall !== false) {
      this.firewall ??= ensureAppFirewall().then((state) => {
        if (!state.installed)
          this.options.log?.(
            'warn',
            { err: state.error },
            'apps can reach the host: the firewall rule is not installed',
          );
        return state;
      });
      await this.firewall;
    }

    this.resolvConf ??= this.writeResolvConf();
    const resolvConf = await this.resolvConf;
    const startedAt = this.now();
    const id = token
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 10)
      .toLowerCase()
      .padEnd(10, '0');
    const name = `arena-app-${id}-${randomBytes(3).toString('hex')}`;
    const expiresAt = startedAt + (this.options.maxLifetimeMs ?? 2 * 3600_000);
    const labelOptions = { owner: this.options.owner, token, expiresAt };
    const network = await engine.docker.createNetwork(
      appNetworkSpec(name, `${APP_BRIDGE_PREFIX}${randomBytes(5).toString('hex')}`, labelOptions),
    );
    const app: LiveApp = {
      token,
      engine,
      network,
      container: engine.docker.getContainer(name),
      startedAt,
      lastUsedAt: startedAt,
      ...(request.owner ? { owner: request.owner } : {}),
    };
    this.apps.set(token, app);
    try {
      app.container = await engine.docker.createContainer({
        name,
        ...appContainerSpec({
          ...labelOptions,
          image: this.options.image,
          network: name,
          memoryMb: this.options.memoryMb ?? 768,
          cpus: this.options.cpus ?? 1,
          processes: this.options.processes ?? 256,
          ...(resolvConf ? { resolvConf } : {}),
        }),
      });
      await app.container.start();
      const gateKill = { kill: (): void => undefined };
      const gate = new OutputGate(limits.outputBytes, options.onOutput, () => gateKill.kill());
      const wallMs = Math.max(limits.wallMs, this.options.startMs ?? 60_000);
      const outcome = await this.start(app, name, recipe, args.words, basePath, wallMs, gate, gateKill, options.signal);
      gate.end();
      switch (outcome.kind) {
        case 'ready':
          app.target = outcome.target;
          app.lastUsedAt = this.now();
          this.options.log?.(
            'info',
            { token: token.slice(0, 6), engine: engine.name, port: outcome.target.port, owner: request.owner },
            'app is live',
          );
          return finish({
            status: 'ok',
            // `expiresAt`: its lifetime's end, the latest it lives (a closed battle or idleness ends it sooner).
            preview:
              recipe.kind === 'display'
                ? {
                    kind: 'display',
                    url: `${basePath}/`,
                    expiresAt,
                    ...(recipe.control ? { control: recipe.control } : {}),
                  }
                : { kind: 'app', url: `${basePath}/`, expiresAt },
          });
        case 'exited':
          await this.remove(app);
          if (outcome.exitCode === 0 && recipe.mayExit) return finish({ status: 'ok', exitCode: 0 });
          if (outcome.exitCode === 0)
            return finish({
              status: 'runtime_error',
              exitCode: 0,
              message: 'the app exited before it served anything',
            });
          return finish({ status: 'runtime_error', exitCode: outcome.exitCode });
        case 'killed':
          await this.remove(app);
          if (outcome.reason === 'timeout')
            return finish({
              status: 'timeout',
              message: `the server did not answer HTTP within ${Math.round(wallMs / 1000)} s`,
            });
          if (outcome.reason === 'output_limit')
            return finish({ status: 'output_limit', message: `output passed ${limits.outputBytes} bytes` });
          return finish({ status: 'internal_error', message: 'run cancelled' });
      }
    } catch (error) {
      await this.remove(app);
      this.options.log?.('error', { engine: engine.name, err: String(error) }, 'app run failed');
      return say('internal_error', `the sandbox failed: ${(error as Error).message}`);
    }
  }

  /** The resolver file app containers mount (one per machine; undefined, and Docker's own, when it cannot be written). */
  private async writeResolvConf(): Promise<string | undefined> {
    const dir = path.join(os.tmpdir(), 'arena-apps');
    const file = path.join(dir, 'resolv.conf');
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(file, RESOLV_CONF, { mode: 0o644 });
      return file;
    } catch (error) {
      this.options.log?.(
        'warn',
        { err: String(error) },
        "apps use Docker's resolver: name lookups will be slow to fail",
      );
      return undefined;
    }
  }

  /** Room for one more app on an engine: evict the least recently used app of a closed battle if full. */
  private makeRoom(engine: string): { ok: true } | { ok: false; message: string } {
    const cap = this.options.perHost ?? 10;
    if (this.liveCount(engine) < cap) return { ok: true };
    const closed = [...this.apps.values()]
      .filter((app) => app.engine.name === engine && !app.removing && app.expiresAt !== undefined)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
    if (closed) {
      void this.remove(closed);
      return { ok: true };
    }
    return {
      ok: false,
      message: `this arena already runs ${cap} live apps on this engine, the most it keeps (ARENA_APPS_PER_HOST); try again when a battle closes`,
    };
  }

  /** Start the program and wait until it serves, exits, or is stopped. */
  private async start(
    app: LiveApp,
    network: string,
    recipe: AppRecipe,
    words: string[],
    basePath: string,
    wallMs: number,
    gate: OutputGate,
    gateKill: { kill: () => void },
    signal: AbortSignal | undefined,
  ): Promise<StartOutcome> {
    const marker = `\u0001arena-${randomBytes(12).toString('hex')}\u0002`;
    const cpuSeconds = this.options.cpuSeconds ?? 900;
    const command = driverCommand(
      { file: recipe.file, run: recipe.run, minMemoryMb: 0, minProcesses: 0 },
      marker,
      cpuSeconds,
      words,
    );
    const exec = await sandboxExec(app.container, command, { env: recipe.env });
    const stream = await exec.start({ hijack: true, stdin: false });
    app.stream = stream;
    let serving = false;
    const splitter = new MarkerSplitter(Buffer.from(marker), gate.bytes + 1_000_000, (data) => {
      if (!serving) gate.writeBytes('stderr', data);
    });
    // Output after the run ended is read and dropped: a full pipe would stall the app.
    const demux = new DockerDemuxer((which, data) => {
      if (serving) return;
      if (which === 'stdout') gate.writeBytes('stdout', data);
      else splitter.push(data);
    });
    let ended = false;
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      ended = true;
      // The app's program ended after it served: the app is gone.
      if (serving) void this.remove(app);
    });
    stream.on('end', () => {
      ended = true;
      if (serving) void this.remove(app);
    });

    const inspect = await app.container.inspect();
    const ip = inspect.NetworkSettings.Networks[network]?.IPAddress;
    if (!ip) throw new Error('the app container has no address on its network');
    const pid = inspect.State.Pid;
    const deadline = performance.now() + wallMs;
    let killedFor: 'timeout' | 'output_limit' | 'cancelled' | undefined;
    gateKill.kill = () => (killedFor ??= 'output_limit');
    const onAbort = (): void => void (killedFor ??= 'cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      for (;;) {
        if (killedFor) return { kind: 'killed', reason: killedFor };
        if (performance.now() >= deadline) return { kind: 'killed', reason: 'timeout' };
        const state = await exec.inspect();
        if (!state.Running && state.ExitCode !== null) {
          // Let the last output arrive.
          const until = performance.now() + 500;
          while (!ended && performance.now() < until) await sleep(20);
          splitter.flush();
          return { kind: 'exited', exitCode: state.ExitCode };
        }
        const ports = await this.readPorts(app.container, pid).catch(() => []);
        const port =
          recipe.port !== undefined
            ? ports.find((p) => p === recipe.port)
            : ports.find((p) => !recipe.excludePorts.includes(p));
        if (port !== undefined) {
          const path = recipe.keepsPrefix ? `${basePath}/` : '/';
          if (await answersHttp(ip, port, path)) {
            serving = true;
            return {
              kind: 'ready',
              target: { host: ip, port, keepsPrefix: recipe.keepsPrefix, basePath, kind: recipe.kind },
            };
          }
        }
        await sleep(POLL_MS);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The program's listening ports: from the host's `/proc/<pid>/net` when it can see it, else asked in the container. */
  private async readPorts(container: Docker.Container, pid: number): Promise<number[]> {
    if (pid > 0) {
      try {
        const [tcp, tcp6] = await Promise.all([
          readFile(`/proc/${pid}/net/tcp`, 'utf8'),
          readFile(`/proc/${pid}/net/tcp6`, 'utf8').catch(() => ''),
        ]);
        return listeningPorts(`${tcp}\n${tcp6}`, PROGRAM_UID);
      } catch {
        // Another machine's engine, or another pid namespace: ask inside.
      }
    }
    const exec = await container.exec({
      Cmd: ['cat', '/proc/net/tcp', '/proc/net/tcp6'],
      AttachStdout: true,
      AttachStderr: false,
      User: SANDBOX_USER,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    const demux = new DockerDemuxer((_which, data) => chunks.push(data));
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => demux.push(chunk));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', resolve);
    });
    return listeningPorts(Buffer.concat(chunks).toString('utf8'), PROGRAM_UID);
  }

  /** Remove an app: its container with every process, then its network. */
  remove(app: LiveApp): Promise<void> {
    app.removing ??= (async () => {
      app.stream?.destroy();
      this.gone.add(app.token);
      if (this.gone.size > TOMBSTONES) this.gone.delete(this.gone.values().next().value as string);
      await app.container.remove({ force: true, v: true }).catch((error: unknown) => {
        if (!/no such container|is already in progress/i.test(String(error)))
          this.options.log?.('warn', { err: String(error) }, 'could not remove an app container');
      });
      await app.network.remove().catch((error: unknown) => {
        if (!/not found|no such network/i.test(String(error)))
          this.options.log?.('warn', { err: String(error) }, 'could not remove an app network');
      });
      this.apps.delete(app.token);
      this.options.log?.('info', { token: app.token.slice(0, 6), owner: app.owner }, 'app removed');
    })();
    return app.removing;
  }

  /** Remove the apps whose battle closed `ttlMs` ago, idle ones, and those past their lifetime. */
  async sweep(): Promise<void> {
    const now = this.now();
    const idleMs = this.options.idleMs ?? 10 * 60_000;
    const maxMs = this.options.maxLifetimeMs ?? 2 * 3600_000;
    const due = [...this.apps.values()].filter(
      (app) =>
        app.target &&
        !app.removing &&
        ((app.expiresAt !== undefined && app.expiresAt <= now) ||
          now - app.lastUsedAt >= idleMs ||
          now - app.startedAt >= maxMs),
    );
    await Promise.all(due.map((app) => this.remove(app)));
  }

  /** Remove every app and stop sweeping. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.apps.values()].map((app) => this.remove(app)));
  }

  /** The label an app's container and network carry, for finding them with the engine. */
  static readonly label = APP_LABEL;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether something answers HTTP at this address (any status will do: the server is up). */
function answersHttp(host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: HEALTH_TIMEOUT_MS, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
