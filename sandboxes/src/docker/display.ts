import { createHash, randomBytes } from 'node:crypto';
import type { Environment } from '@arena/contracts';

/**
 * Desktop programs (PyGame, tkinter, turtle) under a virtual display in their app container (issue 16).
 *
 * The launcher starts Xvfb (an X server in memory, no TCP), the program on it, and two VNC servers on the same
 * screen, each on loopback only: x11vnc on `CONTROL_VNC_PORT` takes keyboard and mouse, x11vnc `-viewonly`
 * on `VIEW_VNC_PORT` ignores them (enforced by the server, not the browser). One websockify on `DISPLAY_PORT`
 * (the port the arena serves through its app proxy) bridges WebSocket to VNC and picks the server by the
 * `token` query parameter: the control token (random per run, given only to the battle's creator) reaches the
 * full-control server, any other token (`?token=view`) the view-only one. websockify starts once the program's
 * first window is mapped, so the display is ready (and its first frame there) when the arena sees the port.
 */

/** The virtual screen, as BigCodeArena's PyGame sandbox. */
export const DISPLAY_WIDTH = 800;
export const DISPLAY_HEIGHT = 600;
/** The port websockify listens on in the container (the one the arena serves). */
export const DISPLAY_PORT = 6080;
/** The full-control VNC server (loopback only). */
export const CONTROL_VNC_PORT = 5900;
/** The view-only VNC server (loopback only). */
export const VIEW_VNC_PORT = 5901;
/** The query a viewer's WebSocket URL carries (`<preview url>?token=view`). */
export const VIEW_TOKEN = 'view';

const SHIM_DIR = '.arena';
const TOKEN_PLUGIN = 'arena_display_tokens';

/** Python that opens a desktop window: PyGame, tkinter (Tkinter of Python 2 answers) or turtle. */
const PY_DISPLAYS = /^\s*(?:from|import)\s+(?:pygame|tkinter|Tkinter|turtle|pygame_gui|pymunk\.pygame_util)\b/m;

/**
 * Whether a program runs under a virtual display: every `pygame` program, and a `python` program that imports
 * pygame, tkinter or turtle (decided from its imports before it runs, like apps: the display needs its own
 * container). A Python program that also imports a web framework is an app, not a display (apps decide first).
 */
export function showsDisplay(environment: Environment, code: string): boolean {
  if (environment === 'pygame') return true;
  return environment === 'python' && PY_DISPLAYS.test(code);
}

/**
 * websockify's token plugin: the control token reaches the full-control VNC server, anything else the
 * view-only one. The container never holds the token, only its SHA-256 (`ARENA_DISPLAY_CONTROL_SHA256`): every
 * process in it runs as the program's user, which can read any of their environments (`/proc/<pid>/environ`),
 * command lines and files, and a program that printed the token would hand control to everyone watching.
 */
const TOKEN_PLUGIN_SOURCE = `import os, hmac, hashlib
_CONTROL_SHA256 = os.environ.get('ARENA_DISPLAY_CONTROL_SHA256', '')
class Tokens(object):
    def __init__(self, source):
        pass
    def lookup(self, token):
        if _CONTROL_SHA256 and isinstance(token, str):
            digest = hashlib.sha256(token.encode()).hexdigest()
            if hmac.compare_digest(digest, _CONTROL_SHA256):
                return ['127.0.0.1', '${CONTROL_VNC_PORT}']
        return ['127.0.0.1', '${VIEW_VNC_PORT}']
`;

/**
 * The launcher (`sh .arena/display.sh <program…>`): its output is the program's alone (the display's servers log
 * to files under /tmp); it ends with the program's exit status, after stopping the servers.
 */
const LAUNCHER = `#!/bin/sh
# The arena's virtual display: Xvfb, the program, two x11vnc servers (control, view-only), then websockify.
export DISPLAY=:99
logs=/tmp/.arena-display
mkdir -p "$logs"
Xvfb :99 -screen 0 ${DISPLAY_WIDTH}x${DISPLAY_HEIGHT}x24 -nolisten tcp -noreset >"$logs/xvfb.log" 2>&1 &
xvfb=$!
i=0
until xwininfo -root >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -gt 200 ] || ! kill -0 "$xvfb" 2>/dev/null; then
    echo "the virtual display did not start" >&2
    cat "$logs/xvfb.log" >&2
    exit 70
  fi
  sleep 0.05
done
"$@" &
program=$!
vnc() {
  port=$1
  shift
  x11vnc -display :99 -rfbport "$port" -localhost -forever -shared -nopw -noxdamage -norc -q \\
    -o "$logs/x11vnc-$port.log" "$@" >/dev/null 2>&1 &
}
vnc ${CONTROL_VNC_PORT}
vnc ${VIEW_VNC_PORT} -viewonly
# Both VNC servers listening (port 5900 is 170C in /proc/net/tcp, state 0A is LISTEN).
listening() { grep -q ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp; }
i=0
until listening ${CONTROL_VNC_PORT} && listening ${VIEW_VNC_PORT}; do
  i=$((i + 1))
  if [ "$i" -gt 400 ]; then
    echo "the display's VNC servers did not start" >&2
    cat "$logs"/x11vnc-*.log >&2
    break
  fi
  sleep 0.05
done
# Serve once the program's first window is mapped (or it ended): the first frame is there when the arena looks.
while kill -0 "$program" 2>/dev/null && ! xwininfo -root -children 2>/dev/null | grep -Eq '^ +[1-9][0-9]* child'; do
  sleep 0.05
done
if kill -0 "$program" 2>/dev/null; then
  # No log: websockify writes each request's path, the control token's too, where the program could read it.
  websockify --token-plugin ${TOKEN_PLUGIN}.Tokens 0.0.0.0:${DISPLAY_PORT} \\
    >/dev/null 2>&1 &
fi
wait "$program"
status=$?
kill $(jobs -p) 2>/dev/null
exit "$status"
`;

/** What an app recipe needs to start a display (the fields of the apps' `AppRecipe`). */
export interface DisplayRecipe {
  file: string;
  run: string;
  env: string[];
  files: Record<string, string>;
  kind: 'display';
  port: number;
  excludePorts: number[];
  keepsPrefix: false;
  mayExit: boolean;
  /** The token that reaches the full-control VNC server: `<preview url>?token=<control>` is the creator's URL. */
  control: string;
}

/** The recipe for a program shown on a virtual display; undefined when it does not show one. */
export function displayRecipeFor(environment: Environment, code: string): DisplayRecipe | undefined {
  if (!showsDisplay(environment, code)) return undefined;
  const control = randomBytes(24).toString('base64url');
  return {
    file: 'main.py',
    run: `sh ${SHIM_DIR}/display.sh python3 -u main.py`,
    env: [
      `PYTHONPATH=/sandbox/${SHIM_DIR}`,
      'MPLBACKEND=TkAgg',
      'SDL_AUDIODRIVER=dummy',
      'SDL_VIDEODRIVER=x11',
      'PYGAME_HIDE_SUPPORT_PROMPT=1',
      `ARENA_DISPLAY_CONTROL_SHA256=${controlDigest(control)}`,
    ],
    files: { [`${SHIM_DIR}/display.sh`]: LAUNCHER, [`${SHIM_DIR}/${TOKEN_PLUGIN}.py`]: TOKEN_PLUGIN_SOURCE },
    kind: 'display',
    port: DISPLAY_PORT,
    excludePorts: [CONTROL_VNC_PORT, VIEW_VNC_PORT],
    keepsPrefix: false,
    // A tkinter program may end by itself; a pygame one that ends before its window opened failed.
    mayExit: environment === 'python',
    control,
  };
}

/** What the display's container holds of its control token: its SHA-256, hex (the token is 24 random bytes). */
export function controlDigest(control: string): string {
  return createHash('sha256').update(control).digest('hex');
}

/** The WebSocket path a viewer opens for a display served at `url` (`/api/apps/<token>/`). */
export function displayViewUrl(url: string): string {
  return `${url}?token=${VIEW_TOKEN}`;
}

/** The WebSocket path the creator opens (keyboard and mouse reach the program). */
export function displayControlUrl(url: string, control: string): string {
  return `${url}?token=${encodeURIComponent(control)}`;
}
