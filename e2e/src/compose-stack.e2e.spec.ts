import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  applyBattleEvent,
  ARENA_NAMESPACE,
  BattleSnapshot,
  HealthResponse,
  PROTOCOL_VERSION,
  type Ack,
  type BattleEvent,
  type ClientToServerEvents,
  type ModelRef,
  type ServerToClientEvents,
} from '@arena/contracts';
import { freePort, REPO_ROOT } from '@arena/testkit';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS } from './browser.js';

/**
 * docker-compose.yml as a person runs it, with Debian's docker-compose: the balancer (HAProxy) in front of two arena
 * processes, PostgreSQL and Redis, every base image built offline from Debian's and npm's packages
 * (deploy/images/build.sh) and the arena's image from the Dockerfile on one of them. Through the balancer only:
 * a battle watched as it streams, its vote, then the process that ran it killed (`docker kill`), and the battle
 * still watchable, on a socket and over REST, from the process that is left.
 *
 * It needs a Docker engine and docker-compose (scripts/docker.sh installs both). Without them it is skipped with a
 * line on stderr; with CI set, their absence fails the run.
 */
const SUITE = 'the compose stack';
const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const ARENA_SERVICES = ['arena-1', 'arena-2'] as const;
const PROMPT = 'Print hello world in Python';

function works(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}
const absent = [
  ...(works('docker', ['info']) ? [] : ['a Docker engine']),
  ...(works('docker-compose', ['version']) ? [] : ['docker-compose']),
];
const ci = process.env['CI'];
if (absent.length > 0) {
  const why = `"${SUITE}" needs ${absent.join(' and ')} (bash scripts/docker.sh installs and starts them)`;
  if (ci && ci !== 'false' && ci !== '0') throw new Error(`${why}; CI=${ci}: a missing engine fails the run`);
  process.stderr.write(`skipped ${why}\n`);
}

interface Ran {
  stdout: string;
  stderr: string;
}
/** Runs a command to its end; a non-zero exit rejects with what it wrote on stderr. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: REPO_ROOT, env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr.slice(-4_000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The CA certificates this machine trusts locally (Debian's folder for them): a TLS-inspecting proxy's, say. */
function localCaPem(): string {
  const dir = '/usr/local/share/ca-certificates';
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.crt'))
    .sort()
    .map((file) => readFileSync(path.join(dir, file), 'utf8').trim())
    .join('\n');
}

type ArenaSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A browser tab's socket through the balancer: WebSockets only, as the arena's pages connect. */
function connect(url: string, voterId: string): ArenaSocket {
  return io(`${url}${ARENA_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { protocol: PROTOCOL_VERSION, voterId },
    forceNew: true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 1_000,
  });
}

/** A spectator: the battle's snapshot, then every frame applied to it as it comes. */
class Watcher {
  readonly socket: ArenaSocket;
  readonly frames: BattleEvent[] = [];
  battle: BattleSnapshot | undefined;
  gaps = 0;
  constructor(url: string, voterId: string) {
    this.socket = connect(url, voterId);
    this.socket.onAny((event: string, payload: unknown) => {
      if (typeof payload !== 'object' || !payload || !('battleId' in payload)) return;
      const frame = { event, payload } as BattleEvent;
      this.frames.push(frame);
      if (this.battle && applyBattleEvent(this.battle, frame) === 'gap') this.gaps += 1;
    });
  }
  async watch(battleId: string): Promise<BattleSnapshot> {
    const ack: Ack<{ snapshot: BattleSnapshot; yours: boolean }> = await this.socket
      .timeout(15_000)
      .emitWithAck('battle:watch', { battleId });
    if (!ack.ok) throw new Error(`battle:watch: ${ack.error.code}: ${ack.error.message}`);
    this.battle = ack.snapshot;
    // Frames that came before the snapshot are in it already (older sequence numbers are ignored).
    for (const frame of this.frames) applyBattleEvent(this.battle, frame);
    return ack.snapshot;
  }
}

describe.skipIf(absent.length > 0)(SUITE, () => {
  const project = `arenastack${randomBytes(4).toString('hex')}`;
  let env: NodeJS.ProcessEnv = process.env;
  let url = '';
  const containers: Record<string, string> = {};
  const sockets: ArenaSocket[] = [];
  const compose = (...args: string[]): Promise<Ran> =>
    run('docker-compose', ['-f', COMPOSE_FILE, '-p', project, ...args], env);
  const containerOf = async (service: string): Promise<string> => {
    const id = (await compose('ps', '-q', service)).stdout.trim();
    if (!id) throw new Error(`no container for ${service}`);
    return id;
  };
  const health = async (id: string): Promise<string> =>
    (await run('docker', ['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', id])).stdout.trim();
  const getJson = async (route: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${url}${route}`);
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    // The base images (cached by recipe: built once per machine), then the arena's image on arena-node.
    const built = await run('bash', [path.join(REPO_ROOT, 'deploy/images/build.sh')]);
    const images = Object.fromEntries(
      [...built.stdout.matchAll(/^(ARENA_[A-Z]+_IMAGE)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    expect(Object.keys(images).sort()).toEqual([
      'ARENA_BALANCER_IMAGE',
      'ARENA_BASE_IMAGE',
      'ARENA_POSTGRES_IMAGE',
      'ARENA_REDIS_IMAGE',
    ]);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      ...images,
      ARENA_IMAGE: 'arena:compose-test',
      BUILD_CA_PEM: localCaPem(),
      ARENA_LISTEN: `127.0.0.1:${port}`,
      ARENA_PUBLIC_URL: url,
      POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
    };
    await compose('build', 'arena-1');
    // Returns once PostgreSQL, Redis and the first process are healthy (the second waits for the first).
    await compose('up', '-d', '--no-build');
    for (const service of [...ARENA_SERVICES, 'balancer']) containers[service] = await containerOf(service);
    for (const service of ARENA_SERVICES) {
      await until(
        async () => ((await health(containers[service]!)) === 'healthy' ? true : undefined),
        `${service} healthy`,
      );
    }
  }, 30 * 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    if (!env['ARENA_IMAGE']) return;
    await mkdir(ARTIFACTS, { recursive: true });
    const logs = await compose('logs', '--no-color', '--timestamps').catch((error: Error) => ({
      stdout: error.message,
    }));
    await writeFile(path.join(ARTIFACTS, 'compose-stack.log'), logs.stdout);
    await compose('down', '-v', '--remove-orphans', '--timeout', '10');
    // Sandboxes a killed process left (its warm pool): named by its host name, which is its container's short id.
    for (const service of ARENA_SERVICES) {
      const id = containers[service];
      if (!id) continue;
      const left = (await run('docker', ['ps', '-aq', '--filter', `label=arena.owner.host=${id.slice(0, 12)}`])).stdout
        .split('\n')
        .filter(Boolean);
      if (left.length > 0) await run('docker', ['rm', '-f', ...left]);
    }
  }, 5 * 60_000);

  it('serves a battle through the balancer, and keeps it watchable when the process that ran it is killed', async () => {
    // Both processes answer the balancer's health checks; through it, the arena is on PostgreSQL with Docker.
    const checked = HealthResponse.parse((await getJson('/api/health')).body);
    expect(checked.status).toBe('ok');
    expect(checked.database).toEqual({ kind: 'postgres', ok: true });
    expect(
      checked.dockerHosts.some((host) => host.available),
      JSON.stringify(checked.dockerHosts),
    ).toBe(true);
    expect(checked.sandboxes['python']).toBe('docker');

    // A battle created on one WebSocket, watched on another (each on whichever process the balancer picks).
    const creator = connect(url, `stack-creator-${project}`);
    const watcher = new Watcher(url, `stack-watcher-${project}`);
    sockets.push(creator, watcher.socket);
    const created: Ack<{ battleId: string }> = await creator
      .timeout(15_000)
      .emitWithAck('battle:create', { prompt: PROMPT });
    if (!created.ok) throw new Error(`battle:create: ${created.error.code}: ${created.error.message}`);
    const { battleId } = created;
    await watcher.watch(battleId);
    await until(() => (watcher.battle?.status === 'voting' ? true : undefined), 'the vote to open');
    const streamed = BattleSnapshot.parse((await getJson(`/api/battles/${battleId}`)).body);
    expect(streamed.status).toBe('voting');
    for (const side of ['a', 'b'] as const) {
      const served = streamed.turns[0]!.sides[side];
      expect(served.text).not.toBe('');
      expect(served.code?.environment, `side ${side}`).toBe('python');
      // The program ran in a sandbox container on the host's engine, reached through its socket.
      expect(served.runs.length, `side ${side} runs`).toBeGreaterThan(0);
      expect(['unsupported', 'internal_error'], JSON.stringify(served.runs[0])).not.toContain(served.runs[0]?.status);
      expect(watcher.battle?.turns[0]?.sides[side].text, `side ${side} as watched`).toBe(served.text);
    }
    expect(watcher.gaps).toBe(0);

    const vote: Ack<{ models: { a: ModelRef; b: ModelRef } }> = await creator
      .timeout(15_000)
      .emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    if (!vote.ok) throw new Error(`battle:vote: ${vote.error.code}: ${vote.error.message}`);
    await until(() => (watcher.battle?.models ? true : undefined), 'the reveal on the watcher');
    expect(watcher.battle?.models).toEqual(vote.models);

    // The process that ran the battle (it says so in its log) is killed outright.
    const logs = await Promise.all(
      ARENA_SERVICES.map(async (service) => (await run('docker', ['logs', containers[service]!])).stdout),
    );
    const runners = ARENA_SERVICES.filter((_, i) =>
      logs[i]!.split('\n').some((line) => line.includes('"battle created"') && line.includes(battleId)),
    );
    expect(runners, 'the processes that logged "battle created" for the battle').toHaveLength(1);
    const killed = runners[0]!;
    await run('docker', ['kill', containers[killed]!]);
    await until(
      async () =>
        (await run('docker', ['inspect', '-f', '{{.State.Running}}', containers[killed]!])).stdout.trim() === 'false'
          ? true
          : undefined,
      `${killed} to be dead`,
    );

    // Through the balancer, the battle is still there: a new tab watches it, the old watcher (reconnected if it was
    // on the killed process) too, and the REST endpoint answers with the same battle.
    const late = new Watcher(url, `stack-late-${project}`);
    sockets.push(late.socket);
    const after = await late.watch(battleId);
    expect(after.status).toBe('revealed');
    expect(after.winner).toBe('model_a');
    expect(after.models).toEqual(vote.models);
    for (const side of ['a', 'b'] as const)
      expect(after.turns[0]?.sides[side].text).toBe(streamed.turns[0]!.sides[side].text);
    await until(() => (watcher.socket.connected ? true : undefined), 'the first watcher to be connected');
    expect((await watcher.watch(battleId)).status).toBe('revealed');
    const rest = await getJson(`/api/battles/${battleId}`);
    expect(rest.status).toBe(200);
    const stored = BattleSnapshot.parse(rest.body);
    expect(stored.status).toBe('revealed');
    expect(stored.models).toEqual(vote.models);
    expect(stored.winner).toBe('model_a');
  });
});
