import { APP_LABEL, SandboxRegistry } from '@arena/sandboxes';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestArena, type TestArena } from './support/test-arena.js';

/**
 * The apps' idle time-out (`ARENA_APP_IDLE_MS`) on a real arena and engine: an app that no request reaches
 * through the arena's proxy is removed once it has been idle that long, container and network; one that is
 * used through the proxy meanwhile lives on. (Short here; ten minutes by default.)
 */
const docker = new Docker();
const IDLE_MS = 4_000;
let arena: TestArena;
let sandboxes: SandboxRegistry;

const APP = `
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'still here')
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('', 8000), Handler).serve_forever()
`;

async function startApp(owner: string): Promise<string> {
  let output = '';
  const result = await sandboxes.run(
    { environment: 'python', code: APP, appOwner: owner, limits: { wallMs: 30_000 } },
    { onOutput: (chunk) => (output += chunk.data) },
  );
  expect(result.status, output).toBe('ok');
  if (result.preview?.kind !== 'app') throw new Error('no app preview');
  return result.preview.url;
}

/** Containers and networks the engine holds for an app URL's token. */
async function engineHolds(url: string): Promise<number> {
  const filters = { label: [`${APP_LABEL}=${url.split('/')[3]!}`] };
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  return containers.length + networks.length;
}

beforeAll(async () => {
  arena = await startTestArena({
    database: 'postgres',
    env: { ARENA_SANDBOX_POOL: '0', ARENA_PYODIDE: 'off', ARENA_APP_IDLE_MS: String(IDLE_MS) },
  });
  sandboxes = arena.app.get(SandboxRegistry);
  await sandboxes.start();
});

afterAll(async () => {
  await arena?.stop();
});

describe('idle apps', () => {
  it('removes an app nobody used through the proxy for ARENA_APP_IDLE_MS, container and network; keeps one in use', async () => {
    // The idle one starts first, so that the other's start-up never counts against the one to be kept.
    const idle = await startApp('idle-b:0:a');
    const used = await startApp('idle-a:0:a');
    // The used app gets requests through the arena's proxy, one after another, until the idle one is gone.
    const deadline = Date.now() + 60_000;
    let served = 0;
    while (Date.now() < deadline && (await engineHolds(idle)) > 0) {
      const res = await fetch(`${arena.url}${used}`);
      expect(await res.text()).toBe('still here');
      served++;
    }
    expect(await engineHolds(idle)).toBe(0);
    expect((await fetch(`${arena.url}${idle}`)).status).toBe(410);
    expect(served).toBeGreaterThan(0);
    expect((await fetch(`${arena.url}${used}`)).status).toBe(200);
    expect(await engineHolds(used)).toBe(2);
    // The run pane's probe keeps no app alive: left alone (probed only), the used app goes too.
    while (Date.now() < deadline && (await engineHolds(used)) > 0) {
      expect([204, 410]).toContain(
        (await fetch(`${arena.url}${used}`, { headers: { 'x-arena-app-probe': '1' } })).status,
      );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await engineHolds(used)).toBe(0);
  });
});
