import type { RunFigureImage } from '../types.js';

/**
 * Caps on the figures one run may show. The Python side stops drawing at the count (it notes that on stderr
 * once) and keeps each figure within `maxSide` pixels; this side enforces every cap again, since the program
 * runs in the same process as the hook and could write frames of its own.
 */
export interface FigureCaps {
  /** Figures kept per run; later ones are dropped. */
  count: number;
  /** Bytes of one PNG; a larger one is dropped. */
  bytesPerFigure: number;
  /** Bytes of all of a run's figures together; past it later ones are dropped. */
  totalBytes: number;
  /** Pixels of a figure's longer side (the hook lowers the DPI to fit). */
  maxSide: number;
}

export const FIGURE_CAPS: FigureCaps = {
  count: 20,
  bytesPerFigure: 1024 * 1024,
  totalBytes: 8 * 1024 * 1024,
  maxSide: 2048,
};

/** The frame prefix a run's figures carry on stdout: the run's marker, renamed (a fresh random string per run). */
export function figurePrefix(marker: string): string {
  return marker.replace('arena-', 'figure-');
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_HEADER = 24;

/** A PNG's size from its IHDR chunk, or undefined when the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } | undefined {
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (png.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/**
 * Takes the figures out of a run's stdout: a frame is the prefix, the PNG's length in decimal and a newline,
 * then the PNG. Everything else is the program's own output and passes on in order, so a figure sits between
 * the text printed before and after it. Frames may be cut anywhere across chunks; a frame past a cap is read
 * past without being held in memory. Not a PNG, or past a cap: dropped and counted.
 */
export class FigureSplitter {
  private state: 'text' | 'header' | 'body' = 'text';
  private tail = Buffer.alloc(0);
  private header = '';
  private body: Buffer[] = [];
  private bodyLeft = 0;
  private keepBody = false;
  private kept = 0;
  private keptBytes = 0;
  /** Figures refused (past a cap, or not a PNG). */
  dropped = 0;

  constructor(
    private readonly prefix: Buffer,
    private readonly caps: FigureCaps,
    private readonly onText: (data: Buffer) => void,
    private readonly onFigure: (figure: RunFigureImage) => void,
  ) {}

  push(data: Buffer): void {
    let chunk = data;
    while (chunk.length > 0) {
      switch (this.state) {
        case 'text':
          chunk = this.scanText(chunk);
          break;
        case 'header':
          chunk = this.readHeader(chunk);
          break;
        case 'body':
          chunk = this.readBody(chunk);
          break;
      }
    }
  }

  /** Text held back at the end because it might have been a frame's start. */
  flush(): void {
    if (this.state === 'text' && this.tail.length) this.onText(this.tail);
    this.tail = Buffer.alloc(0);
  }

  private scanText(data: Buffer): Buffer {
    const joined = this.tail.length ? Buffer.concat([this.tail, data]) : data;
    this.tail = Buffer.alloc(0);
    const at = joined.indexOf(this.prefix);
    if (at !== -1) {
      if (at > 0) this.onText(joined.subarray(0, at));
      this.state = 'header';
      this.header = '';
      return joined.subarray(at + this.prefix.length);
    }
    // The prefix may be cut across chunks: hold back the longest ending that starts it.
    let keep = Math.min(joined.length, this.prefix.length - 1);
    while (keep > 0 && !this.prefix.subarray(0, keep).equals(joined.subarray(joined.length - keep))) keep--;
    if (joined.length > keep) this.onText(joined.subarray(0, joined.length - keep));
    this.tail = Buffer.from(joined.subarray(joined.length - keep));
    return Buffer.alloc(0);
  }

  private readHeader(data: Buffer): Buffer {
    const newline = data.indexOf(0x0a);
    const part = data.subarray(0, newline === -1 ? data.length : newline).toString('latin1');
    this.header += part;
    if (this.header.length > MAX_HEADER || !/^\d*$/.test(this.header)) {
      // Not a frame after all: drop the broken header and go back to text.
      this.dropped++;
      this.state = 'text';
      return newline === -1 ? Buffer.alloc(0) : data.subarray(newline + 1);
    }
    if (newline === -1) return Buffer.alloc(0);
    const length = Number(this.header);
    this.bodyLeft = length;
    this.body = [];
    this.keepBody =
      length <= this.caps.bytesPerFigure &&
      this.kept < this.caps.count &&
      this.keptBytes + length <= this.caps.totalBytes;
    this.state = 'body';
    const rest = data.subarray(newline + 1);
    if (length === 0) this.endBody();
    return rest;
  }

  private readBody(data: Buffer): Buffer {
    const take = Math.min(this.bodyLeft, data.length);
    if (this.keepBody) this.body.push(Buffer.from(data.subarray(0, take)));
    this.bodyLeft -= take;
    if (this.bodyLeft === 0) this.endBody();
    return data.subarray(take);
  }

  private endBody(): void {
    this.state = 'text';
    const png = this.keepBody ? Buffer.concat(this.body) : undefined;
    this.body = [];
    const size = png && pngSize(png);
    if (!png || !size) {
      this.dropped++;
      return;
    }
    this.onFigure({ index: this.kept, png, width: size.width, height: size.height });
    this.kept++;
    this.keptBytes += png.length;
  }
}

/**
 * The Matplotlib backend a Python run gets (`MPLBACKEND=module://arena_figures`, served from memory by the
 * driver, so the image stays as it is): `plt.show()` and `Figure.show()` send each open figure as a PNG frame
 * on stdout and close it, as a window closed by its viewer would be; figures still open at exit are sent then.
 * `_PREFIX` is set by the driver before this runs.
 */
export const FIGURES_MODULE = String.raw`
import io, os, sys
from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

_MAX_COUNT = ${FIGURE_CAPS.count}
_MAX_BYTES = ${FIGURE_CAPS.bytesPerFigure}
_MAX_SIDE = ${FIGURE_CAPS.maxSide}
_sent = 0
_noted = set()

def _note(key, text):
    if key in _noted:
        return
    _noted.add(key)
    try:
        sys.stderr.write('[arena] ' + text + '\n')
        sys.stderr.flush()
    except Exception:
        pass

def send(figure):
    global _sent
    if _sent >= _MAX_COUNT:
        _note('count', 'only the first %d figures are shown' % _MAX_COUNT)
        return
    width, height = figure.get_size_inches()
    dpi = figure.dpi
    scale = min(1.0, _MAX_SIDE / max(1.0, width * dpi), _MAX_SIDE / max(1.0, height * dpi))
    out = io.BytesIO()
    figure.savefig(out, format='png', dpi=dpi * scale)
    data = out.getvalue()
    if len(data) > _MAX_BYTES:
        _note('bytes', 'a figure larger than %d bytes is not shown' % _MAX_BYTES)
        return
    _sent += 1
    try:
        sys.stdout.flush()
    except Exception:
        pass
    frame = memoryview(_PREFIX + str(len(data)).encode() + b'\n' + data)
    while frame:
        frame = frame[os.write(1, frame):]

def show_open():
    for manager in Gcf.get_all_fig_managers():
        try:
            send(manager.canvas.figure)
        except Exception as error:
            _note('error', 'a figure could not be drawn: %r' % (error,))
    Gcf.destroy_all()

class FigureManager(FigureManagerBase):
    def show(self):
        send(self.canvas.figure)

class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager

def show(*args, **kwargs):
    show_open()
`;

/**
 * What the Python driver runs before the program: serves `arena_figures` from memory and makes it Matplotlib's
 * backend. The driver calls `_arena_figures_at_exit()` once the program is done, however it ended: it sends the
 * figures still open (under any backend the program chose, `Agg` included). Not an `atexit` hook: Matplotlib's
 * own one, registered later, runs first and closes every figure.
 */
export const FIGURES_HOOK = `
class _ArenaFigures:
    def find_spec(self, name, path=None, target=None):
        if name != 'arena_figures':
            return None
        import importlib.machinery
        return importlib.machinery.ModuleSpec(name, self)
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        module.__dict__['_PREFIX'] = marker.replace('arena-', 'figure-').encode('latin-1')
        exec(${JSON.stringify(FIGURES_MODULE)}, module.__dict__)
sys.meta_path.append(_ArenaFigures())
os.environ['MPLBACKEND'] = 'module://arena_figures'
def _arena_figures_at_exit():
    if 'matplotlib.pyplot' not in sys.modules:
        return
    try:
        import arena_figures
        arena_figures.show_open()
    except Exception:
        pass
`;
