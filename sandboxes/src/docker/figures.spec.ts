import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RunFigureImage } from '../types.js';
import { FIGURE_CAPS, FigureSplitter, figurePrefix, pngSize, type FigureCaps } from './figures.js';

const MARKER = '\u0001arena-00112233445566778899aabb\u0002';
const PREFIX = Buffer.from(figurePrefix(MARKER));

/** A real (tiny, grey) PNG of the given size. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    return out; // the CRC is left 0: only the header is read here
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const frame = (body: Buffer): Buffer => Buffer.concat([PREFIX, Buffer.from(`${body.length}\n`), body]);

/** Feeds the stream in pieces of `step` bytes and records what comes out, in order. */
function split(stream: Buffer, step: number, caps: FigureCaps = FIGURE_CAPS) {
  const events: (string | RunFigureImage)[] = [];
  const splitter = new FigureSplitter(
    PREFIX,
    caps,
    (data) => {
      const last = events[events.length - 1];
      if (typeof last === 'string') events[events.length - 1] = last + data.toString();
      else events.push(data.toString());
    },
    (figure) => events.push(figure),
  );
  for (let at = 0; at < stream.length; at += step) splitter.push(stream.subarray(at, at + step));
  splitter.flush();
  return { events, dropped: splitter.dropped };
}

describe('figures on a run stdout', () => {
  const one = png(64, 48);
  const two = png(640, 480);
  const stream = Buffer.concat([
    Buffer.from('before\n'),
    frame(one),
    Buffer.from('between\n'),
    frame(two),
    Buffer.from('after \u0001figure- not a frame\n'),
  ]);

  it.each([1, 3, 7, 64, stream.length])('keeps text and figures in order, fed %i bytes at a time', (step) => {
    const { events, dropped } = split(stream, step);
    expect(dropped).toBe(0);
    expect(events).toEqual([
      'before\n',
      { index: 0, png: one, width: 64, height: 48 },
      'between\n',
      { index: 1, png: two, width: 640, height: 480 },
      'after \u0001figure- not a frame\n',
    ]);
  });

  it('drops what is not a PNG, and a header that is not a length, and goes on', () => {
    const stream = Buffer.concat([
      frame(Buffer.from('GIF89a not a png at all, long enough to read')),
      PREFIX,
      Buffer.from('12x\nmore text\n'),
      frame(one),
    ]);
    const { events, dropped } = split(stream, 5);
    expect(dropped).toBe(2);
    expect(events).toEqual(['more text\n', { index: 0, png: one, width: 64, height: 48 }]);
  });

  it('keeps at most the cap in count and bytes, reads past the rest and ends with the text after them', () => {
    const caps: FigureCaps = { ...FIGURE_CAPS, count: 3, bytesPerFigure: one.length, totalBytes: one.length * 10 };
    const frames = Array.from({ length: 1000 }, () => frame(one));
    const stream = Buffer.concat([frame(two), ...frames, Buffer.from('end\n')]);
    const { events, dropped } = split(stream, 4096, caps);
    expect(events.filter((e) => typeof e !== 'string')).toHaveLength(3);
    expect(dropped).toBe(998);
    expect(events[events.length - 1]).toBe('end\n');
  });

  it('reads the size from the PNG header, not from what the frame claims', () => {
    expect(pngSize(png(3, 2))).toEqual({ width: 3, height: 2 });
    expect(pngSize(Buffer.from('\u0089PNG\r\n\u001a\n'))).toBeUndefined();
  });
});
