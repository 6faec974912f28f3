import { describe, expect, it } from 'vitest';
import { OutputFrameReader } from './output-frames.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const data = Buffer.from(text);
  const head = Buffer.alloc(5);
  head[0] = stream;
  head.writeUInt32LE(data.length, 1);
  return Buffer.concat([head, data]);
}

describe('OutputFrameReader', () => {
  it('reads frames in order, however the chunks split them', () => {
    const bytes = Buffer.concat([frame(1, 'out é\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'more')]);
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const seen: string[] = [];
      const reader = new OutputFrameReader((stream, data) => seen.push(`${stream}:${data.toString()}`));
      for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
      expect(seen).toEqual(['stdout:out é\n', 'stderr:err\n', 'stdout:', 'stdout:more']);
    }
  });
});
