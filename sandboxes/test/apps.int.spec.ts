import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRunner } from '../src/docker/docker.runner.js';
import { APP_LABEL } from '../src/docker/apps/app-container.js';
import type { RunRequest, RunResult } from '../src/types.js';

/**
 * Live apps on a real engine: programs that serve run in a container on an internal network of their own,
 * are found listening (`/proc/net/tcp`), answer HTTP at the address the arena reaches, and are removed with
 * their network when their battle's time is up. Hostile apps reach neither the host, the internet nor
 * another app. Uses the plain sandbox image (Python's `http.server` and Node's `http` need no packages).
 */
const docker = new Docker();
let runner: DockerRunner;
let hostServer: http.Server;
let hostPort = 0;

async function run(request: Omit<RunRequest, 'limits'> & { wallMs?: number }): Promise<RunResult & { output: string }> {
  let output = '';
  const result = await runner.run(
    { ...request, limits: { wallMs: request.wallMs ?? 30_000 } },
    { onOutput: (chunk) => (output += chunk.data) },
  );
  return { ...result, output };
}

function tokenOf(result: RunResult): string {
  expect(result.preview?.kind).toBe('app');
  const url = result.preview?.kind === 'app' ? result.preview.url : '';
  const match = /^\/api\/apps\/([A-Za-z0-9_-]{22})\/$/.exec(url);
  expect(match).not.toBeNull();
  return match![1]!;
}

function get(host: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, agent: false, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function appFetch(token: string, path = '/'): Promise<{ status: number; body: string }> {
  const found = runner.apps!.lookup(token);
  if (found.state !== 'live') throw new Error(`app ${token} is ${found.state}`);
  return get(found.target.host, found.target.port, path);
}

/** What the engine holds for an app token: containers and networks labelled with it. */
async function engineHolds(token: string): Promise<{ containers: number; networks: number }> {
  const filters = { label: [`${APP_LABEL}=${token}`] };
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length };
}

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not met in time');
}

const COUNTER_APP = `
import http.server, json
count = 0
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global count
        if self.path == '/click':
            count += 1
        body = json.dumps({'count': count, 'path': self.path}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print(open('/etc/resolv.conf').read(), flush=True)
print('serving on 8000', flush=True)
http.server.HTTPServer(('127.0.0.1', 8000), Handler).serve_forever()
`;

const NODE_APP = `
const http = require('http');
let hits = 0;
http.createServer((req, res) => { hits++; res.end('node says ' + hits + ' ' + req.url); })
  .listen(3000, 'localhost', () => console.log('listening'));
`;

beforeAll(async () => {
  runner = new DockerRunner({
    poolSize: 0,
    sweepEveryMs: 0,
    apps: { startMs: 30_000, ttlMs: 300, idleMs: 60_000, perHost: 4 },
  });
  expect(await runner.start()).toBe(true);
  // Something listening on every address of the host: an app must not reach it.
  hostServer = http.createServer((_req, res) => res.end('host secret'));
  await new Promise<void>((resolve) => hostServer.listen(0, '0.0.0.0', resolve));
  hostPort = (hostServer.address() as AddressInfo).port;
});

afterAll(async () => {
  await runner?.close();
  await new Promise((resolve) => hostServer?.close(resolve));
});

describe('live apps', () => {
  it('serves a Python http.server app that binds to loopback, and its state changes between requests', async () => {
    const result = await run({ environment: 'python', code: COUNTER_APP, appOwner: 'b1:0:a' });
    expect(result.status).toBe('ok');
    expect(result.output).toContain('serving on 8000');
    // Names resolve from /etc/hosts only, and a lookup fails at once (Docker's resolver takes 10 s to give up).
    expect(result.output).toContain('nameserver 127.0.0.1');
    const token = tokenOf(result);
    expect(JSON.parse((await appFetch(token)).body)).toEqual({ count: 0, path: '/' });
    await appFetch(token, '/click');
    expect(JSON.parse((await appFetch(token)).body).count).toBe(1);
    expect(await engineHolds(token)).toEqual({ containers: 1, networks: 1 });
  });

  it("serves a Node http app listening on 'localhost'", async () => {
    const result = await run({ environment: 'javascript', code: NODE_APP, appOwner: 'b2:0:a' });
    expect(result.status).toBe('ok');
    const token = tokenOf(result);
    // The arena's health check was its first request.
    const first = /^node says (\d+) \/x$/.exec((await appFetch(token, '/x')).body);
    expect(first).not.toBeNull();
    expect((await appFetch(token, '/y')).body).toBe(`node says ${Number(first![1]) + 1} /y`);
  });

  it('a server that never listens ends timeout with its output; one that crashes first ends runtime_error', async () => {
    const never = await run({
      environment: 'python',
      code: "import http.server, time\nprint('warming up', flush=True)\ntime.sleep(600)",
      wallMs: 2_000,
    });
    expect(never.status).toBe('timeout');
    expect(never.output).toContain('warming up');
    expect(never.preview).toBeUndefined();
    const crash = await run({
      environment: 'python',
      code: "import http.server\nraise RuntimeError('no port for you')",
    });
    expect(crash.status).toBe('runtime_error');
    expect(crash.output).toContain('RuntimeError: no port for you');
    const plain = await run({ environment: 'python', code: "import http.server\nprint('just a script')" });
    expect(plain.status).toBe('ok');
    expect(plain.output).toContain('just a script');
    expect(plain.preview).toBeUndefined();
  });

  it('app: false runs a program that serves to its end, judged by its exit status (an eval harness)', async () => {
    // A harness's own server on the loopback, in a thread: what \`arena eval\`'s mock APIs do.
    const code = `import http.server, threading, time, urllib.request
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
status = urllib.request.urlopen('http://127.0.0.1:%d/' % server.server_address[1]).status
time.sleep(2)
print('served itself', status, flush=True)
`;
    const live = runner.apps!.liveCount();
    const judged = await run({ environment: 'python', code, app: false });
    expect(judged.status, judged.output).toBe('ok');
    expect(judged.output).toContain('served itself 200');
    expect(judged.preview).toBeUndefined();
    expect(runner.apps!.liveCount()).toBe(live);
  });

  it('an app reaches neither the host, the internet, another app nor the Docker socket; many connections stay contained', async () => {
    const first = await run({ environment: 'python', code: COUNTER_APP, appOwner: 'b3:0:a' });
    const other = runner.apps!.lookup(tokenOf(first));
    expect(other.state).toBe('live');
    const target = other.state === 'live' ? other.target : { host: '', port: 0 };
    const gateway = target.host.replace(/\.\d+$/, '.1');
    const probes = [
      ['host-gateway', gateway, hostPort],
      ['docker0', '172.17.0.1', hostPort],
      ['postgres', gateway, 5432],
      ['redis', gateway, 6379],
      ['internet', '1.1.1.1', 80],
      ['other-app', target.host, target.port],
    ];
    const code = `
import socket, os, http.server, threading
own_gateway = socket.gethostbyname(socket.gethostname()).rsplit('.', 1)[0] + '.1'
probes = ${JSON.stringify(probes)} + [
    ['own-gateway', own_gateway, ${hostPort}],
    ['own-gateway-postgres', own_gateway, 5432],
    ['own-gateway-redis', own_gateway, 6379],
]
for name, host, port in probes:
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect((host, port))
        print('PROBE', name, 'open', flush=True)
    except Exception as e:
        print('PROBE', name, 'refused', type(e).__name__, e, flush=True)
    finally:
        s.close()
print('PROBE docker-socket', 'open' if os.path.exists('/var/run/docker.sock') else 'refused', flush=True)
opened = []
try:
    for i in range(5000):
        opened.append(socket.socket())
except OSError as e:
    print('PROBE sockets capped at', len(opened), flush=True)
for s in opened:
    s.close()
print('serving', flush=True)
http.server.HTTPServer(('', 8080), http.server.SimpleHTTPRequestHandler).serve_forever()
`;
    const hostile = await run({ environment: 'python', code, appOwner: 'b4:0:a', wallMs: 60_000 });
    expect(hostile.status, hostile.output).toBe('ok');
    for (const name of [...probes.map(([probe]) => probe), 'own-gateway', 'own-gateway-postgres', 'own-gateway-redis'])
      expect(hostile.output).toMatch(new RegExp(`PROBE ${name} refused`));
    expect(hostile.output).toMatch(/PROBE docker-socket refused/);
    expect(hostile.output).toMatch(/PROBE sockets capped at \d+/);
    // The host's server was there all along, and the first app still answers.
    expect((await get('127.0.0.1', hostPort)).body).toBe('host secret');
    expect((await appFetch(tokenOf(first))).status).toBe(200);
  });

  it("a re-run of a side replaces its app; a closed battle's apps are removed after the TTL, container and network", async () => {
    // The apps of the tests above go first: the per-host cap (4 here) would refuse these.
    for (const battle of ['b1', 'b2', 'b3', 'b4']) await runner.apps!.removeBattle(battle);
    const one = tokenOf(await run({ environment: 'python', code: COUNTER_APP, appOwner: 'b5:0:a' }));
    const two = tokenOf(await run({ environment: 'python', code: COUNTER_APP, appOwner: 'b5:0:a' }));
    expect(runner.apps!.lookup(one).state).toBe('gone');
    expect(await engineHolds(one)).toEqual({ containers: 0, networks: 0 });
    expect(runner.apps!.lookup(two).state).toBe('live');
    expect(runner.apps!.closeBattle('b5')).toEqual([two]);
    await until(async () => runner.apps!.lookup(two).state === 'gone');
    await until(async () => (await engineHolds(two)).networks === 0);
    expect(await engineHolds(two)).toEqual({ containers: 0, networks: 0 });
    expect(runner.apps!.lookup('never-issued-token-xxxx').state).toBe('unknown');
  });

  it('past the per-host cap a new app evicts the least recently used app of a closed battle, else is refused', async () => {
    const tokens: string[] = [];
    for (const battle of ['c1', 'c2', 'c3', 'c4'])
      tokens.push(tokenOf(await run({ environment: 'python', code: COUNTER_APP, appOwner: `${battle}:0:a` })));
    const refused = await run({ environment: 'python', code: COUNTER_APP, appOwner: 'c5:0:a' });
    expect(refused.status).toBe('unsupported');
    expect(refused.output).toContain('ARENA_APPS_PER_HOST');
    // c2 closes (its TTL is long enough here not to end it first): the next app takes its place.
    const apps = runner.apps!;
    apps.closeBattle('c2', 60_000);
    const fifth = await run({ environment: 'python', code: COUNTER_APP, appOwner: 'c5:0:a' });
    expect(fifth.status).toBe('ok');
    expect(apps.lookup(tokens[1]!).state).toBe('gone');
    expect(apps.lookup(tokens[0]!).state).toBe('live');
  });

  it('removes every app, container and network when the runner closes', async () => {
    for (const battle of ['c1', 'c2', 'c3', 'c4', 'c5']) await runner.apps!.removeBattle(battle);
    const token = tokenOf(await run({ environment: 'python', code: COUNTER_APP, appOwner: 'd1:0:a' }));
    await runner.close();
    expect(await engineHolds(token)).toEqual({ containers: 0, networks: 0 });
    const left = await docker.listContainers({ all: true, filters: { label: [`arena.owner=${runner.owner}`] } });
    expect(left).toEqual([]);
  });
});
