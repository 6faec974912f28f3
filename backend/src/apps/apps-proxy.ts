import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppLookup, LiveApps } from '@arena/sandboxes';
import { createProxyServer } from 'http-proxy-3';
import { createLogger } from '../logging/logger.js';
import { LookupsBusy, localApps, type AppDirectory } from './cluster-apps.js';

/** Where apps are served: `/api/apps/<token>/…`. */
export const APPS_PREFIX = '/api/apps/';
/**
 * What every proxied page may do: it runs as an opaque origin (no `allow-same-origin`), so it can neither
 * read the arena's cookies or storage nor call the arena's API as the person who opened it.
 */
export const APP_SANDBOX_POLICY = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';
/** WebSocket connections one app may hold through the proxy at once. */
export const MAX_SOCKETS_PER_APP = 32;

const TOKEN = /^[A-Za-z0-9_-]{22}$/;
/** Headers of the person's browser that are the arena's business and never the app's. */
const PRIVATE_HEADERS = ['cookie', 'authorization', 'x-admin-token', 'proxy-authorization'];

export type AppRoute =
  { kind: 'not-ours' } | { kind: 'bad'; reason: string } | { kind: 'app'; token: string; rest: string };

/**
 * Read a request's target (`req.url` as it came: path and query) as an app route. Only the origin-form
 * `/api/apps/<token>` or `/api/apps/<token>/…` is ours; a `.` or `..` segment (raw or percent-encoded) or an
 * encoded slash is refused rather than normalised, so what reaches the app is exactly what was asked. The
 * target address never comes from here (nor from Host or an absolute URL): only from the token's registry entry.
 */
export function parseAppRoute(url: string): AppRoute {
  if (!url.startsWith(APPS_PREFIX)) return { kind: 'not-ours' };
  const after = url.slice(APPS_PREFIX.length);
  const cut = after.search(/[/?#]/);
  const token = cut === -1 ? after : after.slice(0, cut);
  const rest = cut === -1 ? '' : after.slice(cut);
  if (!TOKEN.test(token)) return { kind: 'bad', reason: 'no such app' };
  const path = rest.split('?')[0] ?? '';
  if (/%2f|%5c|\\/i.test(path)) return { kind: 'bad', reason: 'encoded slashes are not allowed in app paths' };
  const segments = path.split('/').map((segment) => segment.replace(/%2e/gi, '.'));
  if (segments.some((segment) => segment === '.' || segment === '..'))
    return { kind: 'bad', reason: 'dot segments are not allowed in app paths' };
  return { kind: 'app', token, rest };
}

function page(status: number, title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{font:15px system-ui,sans-serif;margin:2rem;color:#333}@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}}</style></head><body><h1 style="font-size:1.2rem">${title}</h1><p>${text}</p><!-- ${status} --></body></html>`;
}

function answer(res: ServerResponse, status: number, title: string, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `${APP_SANDBOX_POLICY}; default-src 'none'; style-src 'unsafe-inline'`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(page(status, title, text));
}

/**
 * The arena's reverse proxy to live apps (`http-proxy-3`, HTTP and WebSocket): `/api/apps/<token>/…` goes to
 * the app the token names, wherever `LiveApps` says it listens, with the person's cookies and credentials
 * removed, the app's cookies dropped, and every response sandboxed (`APP_SANDBOX_POLICY`) and open to the
 * page's opaque origin (CORS `*`). Unknown tokens answer 404, removed apps 410 ("app stopped").
 */
export class AppsProxy {
  private readonly logger = createLogger(AppsProxy.name);
  private readonly proxy = createProxyServer({ ws: true, xfwd: false, proxyTimeout: 120_000, timeout: 120_000 });
  private readonly sockets = new Map<string, number>();
  /** Every proxied WebSocket's client side, to end them when the arena stops. */
  private readonly upgraded = new Set<Duplex>();

  private readonly directory: AppDirectory;

  /** `directory`: where apps are found (default: this process's own; `ClusterApps` asks the other processes too). */
  constructor(apps: () => LiveApps | undefined, directory?: AppDirectory) {
    this.directory = directory ?? localApps(apps);
    const strip = (proxyReq: { removeHeader(name: string): void }): void => {
      for (const name of PRIVATE_HEADERS) proxyReq.removeHeader(name);
    };
    this.proxy.on('proxyReq', strip);
    this.proxy.on('proxyReqWs', (proxyReq, _req, socket) => {
      strip(proxyReq);
      // Either side closing closes the other: a client gone must not leave the app's side open, nor the reverse.
      proxyReq.on('upgrade', (_res, proxySocket) => {
        socket.once('close', () => proxySocket.destroy());
        proxySocket.once('close', () => socket.destroy());
      });
    });
    this.proxy.on('proxyRes', (proxyRes) => {
      const headers = proxyRes.headers;
      delete headers['set-cookie'];
      // The arena frames the app; the app's own framing rules are about other sites framing it.
      delete headers['x-frame-options'];
      const own = headers['content-security-policy'];
      headers['content-security-policy'] = own ? `${APP_SANDBOX_POLICY}, ${String(own)}` : APP_SANDBOX_POLICY;
      headers['access-control-allow-origin'] = '*';
      delete headers['access-control-allow-credentials'];
    });
    this.proxy.on('error', (err, _req, res) => {
      this.logger.debug({ err: err.message }, 'app proxy error');
      if (res && 'writeHead' in res) answer(res, 502, 'The app did not answer', 'The app is not answering right now.');
      else res?.destroy();
    });
  }

  /** Express middleware: serves app requests, passes everything else on. */
  handle = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const route = parseAppRoute(req.url ?? '');
    if (route.kind === 'not-ours') return next();
    if (route.kind === 'bad') return answer(res, route.reason === 'no such app' ? 404 : 400, 'Refused', route.reason);
    const found = this.directory.lookup(route.token);
    if (!(found instanceof Promise)) return this.serve(req, res, route, found);
    // `catch` after `then`: a throw while serving must end this request, not the process (an unhandled rejection).
    found
      .then((lookup) => this.serve(req, res, route, lookup))
      .catch((error: unknown) => {
        if (error instanceof LookupsBusy) return answer(res, 503, 'Busy', 'Too many app requests right now.');
        this.logger.warn({ err: String(error) }, 'app lookup failed');
        answer(res, 502, 'The app did not answer', 'The app is not answering right now.');
      });
  };

  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    route: Extract<AppRoute, { kind: 'app' }>,
    found: AppLookup,
  ): void {
    if (found.state === 'unknown') return answer(res, 404, 'No such app', 'This address does not name an app.');
    if (found.state === 'gone')
      return answer(res, 410, 'App stopped', 'This app has stopped: its battle closed, or it was idle or replaced.');
    // The run pane asks whether the app still lives: answered here, and it keeps no app alive.
    if (req.headers['x-arena-app-probe']) {
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return;
    }
    this.directory.touch(route.token);
    const { target } = found;
    // Stripped unless the app knows its public path; `/api/apps/<token>` alone is the app's root.
    if (!target.keepsPrefix) req.url = route.rest.startsWith('/') ? route.rest : `/${route.rest}`;
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    this.proxy.web(req, res, { target: { host: target.host, port: target.port } });
  }

  /** The HTTP server's `upgrade`: app WebSockets go through; anything else that is not socket.io is refused. */
  upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = req.url ?? '';
    if (url.startsWith('/socket.io/')) return; // engine.io's own
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const route = parseAppRoute(url);
    if (route.kind !== 'app') return refuse(route.kind === 'bad' ? '400 Bad Request' : '404 Not Found');
    const found = this.directory.lookup(route.token);
    if (!(found instanceof Promise)) return this.serveUpgrade(req, socket, head, route, found);
    found
      .then((lookup) => this.serveUpgrade(req, socket, head, route, lookup))
      .catch((error: unknown) => refuse(error instanceof LookupsBusy ? '503 Service Unavailable' : '502 Bad Gateway'));
  };

  private serveUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: Extract<AppRoute, { kind: 'app' }>,
    found: AppLookup,
  ): void {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (found.state === 'unknown') return refuse('404 Not Found');
    if (found.state === 'gone') return refuse('410 Gone');
    const open = this.sockets.get(route.token) ?? 0;
    if (open >= MAX_SOCKETS_PER_APP) return refuse('429 Too Many Requests');
    this.sockets.set(route.token, open + 1);
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      const left = (this.sockets.get(route.token) ?? 1) - 1;
      if (left > 0) this.sockets.set(route.token, left);
      else this.sockets.delete(route.token);
    };
    this.upgraded.add(socket);
    socket.on('close', () => {
      release();
      this.upgraded.delete(socket);
    });
    socket.on('error', release);
    const touch = (): void => this.directory.touch(route.token);
    touch();
    socket.on('data', touch);
    const { target } = found;
    if (!target.keepsPrefix) req.url = route.rest.startsWith('/') ? route.rest : `/${route.rest}`;
    this.proxy.ws(req, socket, head, { target: { host: target.host, port: target.port } });
  }

  /** Serve app WebSockets on this HTTP server (socket.io must not destroy upgrades it does not own). */
  attach(server: Server): void {
    server.on('upgrade', this.upgrade);
  }

  /** End every proxied WebSocket (the HTTP server waits for its connections when it closes). */
  close(): void {
    for (const socket of this.upgraded) socket.destroy();
    this.upgraded.clear();
    this.proxy.close();
  }
}
