import type Docker from 'dockerode';
import { DockerDemuxer } from '../demux.js';
import { DISPLAY_HEIGHT, DISPLAY_WIDTH } from '../display.js';
import { SANDBOX_USER } from '../sandbox-container.js';

/**
 * The picture of a virtual display (`display.ts`), taken from its X server inside the app's container: what
 * the program drew, with no VNC client, browser or network in between. Like BigCodeArena before it screenshots
 * a PyGame game, it first clicks the middle of the program's largest window and presses Space (games often
 * wait for a key), lets the program draw for a moment, then grabs the screen with Pillow (its wheels carry
 * XCB) and prints a PNG. Input goes through the XTest extension (libXtst, which x11vnc already needs).
 */
const GRAB = String.raw`
import ctypes, io, re, subprocess, sys, time
from PIL import ImageGrab
press, settle, most = sys.argv[1] == '1', float(sys.argv[2]), (int(sys.argv[3]), int(sys.argv[4]))
if press:
    x11 = ctypes.CDLL('libX11.so.6')
    xtst = ctypes.CDLL('libXtst.so.6')
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    display = x11.XOpenDisplay(b':99')
    if display:
        x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x11.XFlush.argtypes = [ctypes.c_void_p]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_ulong]
        xtst.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        tree = subprocess.run(['xwininfo', '-root', '-children'], capture_output=True, text=True).stdout
        windows = [tuple(map(int, m.groups())) for m in re.finditer(r'(\d+)x(\d+)\+(-?\d+)\+(-?\d+)', tree)]
        windows = [w for w in windows if w[0] > 1 and w[1] > 1]
        w, h, x, y = max(windows, key=lambda w: w[0] * w[1]) if windows else (800, 600, 0, 0)
        xtst.XTestFakeMotionEvent(display, -1, x + w // 2, y + h // 2, 0)
        xtst.XTestFakeButtonEvent(display, 1, 1, 0)
        xtst.XTestFakeButtonEvent(display, 1, 0, 0)
        space = x11.XKeysymToKeycode(display, 0x20)
        xtst.XTestFakeKeyEvent(display, space, 1, 0)
        xtst.XTestFakeKeyEvent(display, space, 0, 0)
        x11.XFlush(display)
        x11.XCloseDisplay(display)
time.sleep(settle)
# The run ends once the program's first window is mapped, which may be before it has drawn anything: a screen of
# one colour is grabbed again, for up to three seconds, until the program has drawn.
patience = time.time() + 3
while True:
    image = ImageGrab.grab(xdisplay=':99')
    if image.width > most[0] or image.height > most[1]:
        sys.stderr.write('the screen is %dx%d, bigger than the display' % image.size)
        sys.exit(4)
    image = image.convert('RGB')
    if any(low != high for low, high in image.getextrema()) or time.time() > patience:
        break
    time.sleep(0.25)
out = io.BytesIO()
image.save(out, 'PNG')
sys.stdout.buffer.write(out.getvalue())
`;

export interface DisplayFrame {
  png: Buffer;
  width: number;
  height: number;
}

export interface DisplayFrameOptions {
  /** Click into the program's window and press Space first (default true). */
  press?: boolean;
  /** How long the program may draw after the input, ms (default 500). */
  settleMs?: number;
  /** The most the grab may take, ms (default 10 s); past it the exec is left to end and the grab fails. */
  timeoutMs?: number;
}

/** A PNG's size from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } | undefined {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('latin1', 12, 16) !== 'IHDR')
    return undefined;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Grab the frame of the virtual display in a live display's container (as the sandbox's user). */
export async function grabDisplayFrame(
  container: Docker.Container,
  options: DisplayFrameOptions = {},
): Promise<DisplayFrame> {
  const exec = await container.exec({
    // Isolated (-I): neither the working directory nor the user's site-packages (both the program's to write)
    // are on the path, so the program cannot stand in for Pillow or ctypes and forge its own picture.
    // Killed in the container too once its time is up (a program that grabs its X server would hold it forever).
    Cmd: [
      '/usr/bin/timeout',
      '-s',
      'KILL',
      String(Math.ceil((options.timeoutMs ?? 10_000) / 1000) + 1),
      '/usr/bin/python3',
      '-I',
      '-c',
      GRAB,
      options.press === false ? '0' : '1',
      String((options.settleMs ?? 500) / 1000),
      String(DISPLAY_WIDTH),
      String(DISPLAY_HEIGHT),
    ],
    Env: ['DISPLAY=:99', 'PYTHONDONTWRITEBYTECODE=1'],
    User: SANDBOX_USER,
    WorkingDir: '/',
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let bytes = 0;
  const demux = new DockerDemuxer((which, data) => {
    bytes += data.length;
    // A screen of 800×600 is well under this; anything bigger is not a frame of ours.
    if (bytes > 32 * 1024 * 1024) stream.destroy();
    else (which === 'stdout' ? stdout : stderr).push(Buffer.from(data));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`the display's frame took longer than ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const { ExitCode } = await exec.inspect();
  const png = Buffer.concat(stdout);
  const size = pngSize(png);
  // The arena started the display at its size; a bigger screen is one the program put there (the arena's browser
  // would decode it whole).
  if (size && (size.width > DISPLAY_WIDTH || size.height > DISPLAY_HEIGHT))
    throw new Error(`the display's frame is ${size.width}x${size.height}, bigger than the display`);
  if (ExitCode !== 0 || !size)
    throw new Error(
      `the display's frame could not be grabbed (exit ${ExitCode ?? '?'}): ${Buffer.concat(stderr).toString('utf8').slice(-500)}`,
    );
  return { png, ...size };
}
