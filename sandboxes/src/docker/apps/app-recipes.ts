import type { Environment } from '@arena/contracts';
import { displayRecipeFor, showsDisplay } from '../display.js';

/** How a program that serves (a web app, or a desktop program's display) is started in its app container. */
export interface AppRecipe {
  /** The entry file's name in `/sandbox`. */
  file: string;
  /** Shell command that starts the program (the shell driver `exec`s it). */
  run: string;
  /** Environment variables beside the sandbox's own. */
  env: string[];
  /** Further files the recipe brings (the loopback shims), by path under `/sandbox`. */
  files: Record<string, string>;
  /** What the run's preview is: a web app, or a VNC-over-WebSocket display. */
  kind: 'app' | 'display';
  /** The port to serve when the recipe fixes it; otherwise the first port the program listens on. */
  port?: number;
  /** Ports the program's helpers listen on that are never served (a display's VNC server). */
  excludePorts: number[];
  /**
   * Whether the app itself is told its public path (Streamlit's `baseUrlPath`) and so gets requests with
   * the `/api/apps/<token>` prefix; otherwise the proxy strips it and the app sees `/…`.
   */
  keepsPrefix: boolean;
  /**
   * A program that may serve or may not (a Python or Node program that imports a server): one that exits 0
   * without listening is a normal run. A Streamlit or Gradio program that exits without serving failed.
   */
  mayExit: boolean;
  /** A display's control token (display.ts): the preview carries it for the backend, which keeps it from the room. */
  control?: string;
}

/** A recipe's first-served port for Streamlit (its default). */
export const STREAMLIT_PORT = 8501;
const GRADIO_PORT = 7860;

/**
 * Python: a `sitecustomize` that makes a loopback listener (`app.run()` of Flask, `uvicorn.run(app)`,
 * Gradio's default) listen on every address of the container instead. The app's network holds only the
 * container and the arena, so this exposes the server to the arena's proxy and nothing else.
 */
const PY_BIND_ALL = `import socket as _socket
_bind = _socket.socket.bind
_LOOPBACK = ('127.0.0.1', 'localhost', '::1', '0:0:0:0:0:0:0:1')
def _arena_bind(self, address):
    if isinstance(address, tuple) and address and address[0] in _LOOPBACK:
        if self.family == _socket.AF_INET:
            address = ('0.0.0.0',) + tuple(address[1:])
        elif self.family == _socket.AF_INET6:
            address = ('::',) + tuple(address[1:])
    return _bind(self, address)
_socket.socket.bind = _arena_bind

# A web app is told its public path: the proxy strips \`/api/apps/<token>\` from what it forwards, and without it
# \`url_for\`, redirects and forms built from them would point at the arena's root instead of back into the app.
# WSGI (Flask and others on Werkzeug's server, Bottle and others on wsgiref) gets it as SCRIPT_NAME; ASGI on
# uvicorn (FastAPI, Starlette) as its root_path when the program sets none (FastAPI's /docs then finds its
# openapi.json). A request that still carries the prefix (a link built with it, followed from the container's own
# address, as the arena's screenshots load apps) reaches the same route.
import os as _os, sys as _sys
_PREFIX = _os.environ.get('ARENA_BASE_PATH', '')
def _unprefixed(path):
    if path == _PREFIX or path.startswith(_PREFIX + '/'):
        return path[len(_PREFIX):] or '/'
    return path
def _script_name(module, cls, method):
    handler = getattr(module, cls, None)
    environ_of = getattr(handler, method, None)
    if environ_of is None:
        return
    def with_prefix(self):
        environ = environ_of(self)
        environ['PATH_INFO'] = _unprefixed(environ.get('PATH_INFO', ''))
        environ['SCRIPT_NAME'] = _PREFIX
        return environ
    setattr(handler, method, with_prefix)
def _root_path(module):
    config = getattr(module, 'Config', None)
    load = getattr(config, 'load', None)
    if load is None:
        return
    def load_with_prefix(self):
        load(self)
        inner = getattr(self, 'loaded_app', None)
        if inner is None or getattr(self, 'root_path', '') or getattr(inner, '_arena_prefixed', False):
            return
        async def app(scope, receive, send):
            if scope.get('type') in ('http', 'websocket') and not scope.get('root_path'):
                scope = dict(scope, root_path=_PREFIX, path=_PREFIX + _unprefixed(scope.get('path', '')))
            return await inner(scope, receive, send)
        app._arena_prefixed = True
        self.loaded_app = app
    config.load = load_with_prefix
_PATCHES = {
    'werkzeug.serving': lambda module: _script_name(module, 'WSGIRequestHandler', 'make_environ'),
    'wsgiref.simple_server': lambda module: _script_name(module, 'WSGIRequestHandler', 'get_environ'),
    'uvicorn.config': _root_path,
}
class _ArenaPrefix(object):
    def find_spec(self, name, path=None, target=None):
        if name not in _PATCHES or not _PREFIX:
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        run, patch = spec.loader.exec_module, _PATCHES[name]
        def exec_module(module):
            run(module)
            patch(module)
        spec.loader.exec_module = exec_module
        return spec
_sys.meta_path.insert(0, _ArenaPrefix())
`;

/** Node: the same for `server.listen(port, 'localhost')` and `listen({ host: '127.0.0.1' })`. */
const NODE_BIND_ALL = `'use strict';
const net = require('node:net');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] && typeof args[0] === 'object' && LOOPBACK.has(args[0].host)) args[0] = { ...args[0], host: '::' };
  else if (typeof args[1] === 'string' && LOOPBACK.has(args[1])) args[1] = '::';
  return listen.apply(this, args);
};
`;

const SHIM_DIR = '.arena';
const PY_ENV = [`PYTHONPATH=/sandbox/${SHIM_DIR}`, 'MPLBACKEND=Agg'];
const PY_FILES = { [`${SHIM_DIR}/sitecustomize.py`]: PY_BIND_ALL };

/** Python that imports a web server or framework. */
const PY_SERVER_MODULES =
  'flask|fastapi|uvicorn|http\\.server|socketserver|aiohttp|bottle|tornado|wsgiref|starlette|dash';
const PY_SERVES = new RegExp(
  `^\\s*(?:from\\s+(?:${PY_SERVER_MODULES})\\b|import\\s+(?:[\\w.]+(?:\\s+as\\s+\\w+)?\\s*,\\s*)*(?:${PY_SERVER_MODULES})\\b)`,
  'm',
);
/** JavaScript that imports Node's HTTP servers (or Express) and listens. */
const JS_SERVES = /(?:\brequire\s*\(\s*|\bfrom\s+)['"](?:node:)?(?:https?|http2|net|express)['"]/;
const JS_LISTENS = /\.listen\s*\(/;

/**
 * Whether a program is run as an app (decided before it runs, because an app needs a container on a
 * network of its own): Streamlit and Gradio always; Python that imports a web server or framework; Node
 * programs that import `http`/`https`/`net`/Express and call `.listen(`. Everything else runs as before.
 */
export function servesApp(environment: Environment, code: string): boolean {
  if (showsDisplay(environment, code)) return true;
  switch (environment) {
    case 'streamlit':
    case 'gradio':
      return true;
    case 'python':
      return PY_SERVES.test(code);
    case 'javascript':
    case 'typescript':
      return JS_SERVES.test(code) && JS_LISTENS.test(code);
    case 'bash':
    case 'c':
    case 'cpp':
    case 'go':
    case 'java':
    case 'rust':
    case 'html':
    case 'react':
    case 'vue':
    case 'svg':
    case 'mermaid':
    case 'pygame':
    case 'none':
      return false;
  }
}

/**
 * The app recipe for a program, given the public path the arena will serve it at (`/api/apps/<token>`,
 * no trailing slash); undefined when the environment does not serve.
 */
export function appRecipeFor(environment: Environment, code: string, basePath: string): AppRecipe | undefined {
  if (!servesApp(environment, code)) return undefined;
  // A desktop program (PyGame, tkinter, turtle) gets a virtual display, unless it serves the web as well.
  if (!(environment === 'python' && PY_SERVES.test(code))) {
    const display = displayRecipeFor(environment, code);
    if (display) return display;
  }
  switch (environment) {
    case 'streamlit':
      return {
        file: 'main.py',
        run: [
          'python3 -m streamlit run main.py',
          `--server.port ${STREAMLIT_PORT} --server.address 0.0.0.0`,
          `--server.baseUrlPath ${basePath}`,
          '--server.headless true --server.enableCORS false --server.enableXsrfProtection false',
          '--server.fileWatcherType none --browser.gatherUsageStats false --global.developmentMode false',
        ].join(' '),
        env: [...PY_ENV],
        files: { ...PY_FILES },
        kind: 'app',
        port: STREAMLIT_PORT,
        excludePorts: [],
        keepsPrefix: true,
        mayExit: false,
      };
    case 'gradio':
      return {
        file: 'main.py',
        run: 'python3 -u main.py',
        env: [
          ...PY_ENV,
          `GRADIO_ROOT_PATH=${basePath}`,
          'GRADIO_SERVER_NAME=0.0.0.0',
          `GRADIO_SERVER_PORT=${GRADIO_PORT}`,
          'GRADIO_ANALYTICS_ENABLED=False',
          'HF_HUB_OFFLINE=1',
        ],
        files: { ...PY_FILES },
        kind: 'app',
        excludePorts: [],
        keepsPrefix: false,
        mayExit: false,
      };
    case 'python':
      return {
        file: 'main.py',
        run: 'python3 -u main.py',
        env: [...PY_ENV, `ARENA_BASE_PATH=${basePath}`],
        files: { ...PY_FILES },
        kind: 'app',
        excludePorts: [],
        keepsPrefix: false,
        mayExit: true,
      };
    case 'javascript':
    case 'typescript': {
      const file = /^\s*(import\s*[\w*{'"]|export\s)/m.test(code) ? 'main.mjs' : 'main.cjs';
      return {
        file,
        run: `node --max-old-space-size=256 ${file}`,
        env: [`NODE_OPTIONS=--require /sandbox/${SHIM_DIR}/bind-all.cjs`],
        files: { [`${SHIM_DIR}/bind-all.cjs`]: NODE_BIND_ALL },
        kind: 'app',
        excludePorts: [],
        keepsPrefix: false,
        mayExit: true,
      };
    }
    case 'bash':
    case 'c':
    case 'cpp':
    case 'go':
    case 'java':
    case 'rust':
    case 'html':
    case 'react':
    case 'vue':
    case 'svg':
    case 'mermaid':
    case 'pygame':
    case 'none':
      return undefined;
  }
}
