import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { endGzip, gzipInto } from './gzip-sink.js';

/** A stream keeping what it is given. */
function kept(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      setImmediate(done);
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

async function gzipped(chunks: Buffer[]): Promise<{ bytes: Buffer; ended: boolean }> {
  const { out, bytes } = kept();
  const gzip = gzipInto(out);
  for (const chunk of chunks)
    await new Promise<void>((resolve, reject) => gzip.write(chunk, (e) => (e ? reject(e) : resolve())));
  await endGzip(gzip);
  return { bytes: bytes(), ended: out.writableEnded };
}

describe('gzipInto: one gzip stream, compressed chunk by chunk', () => {
  it('is one gzip member whose content is every chunk in order, for gzip(1) and Python as for zlib', async () => {
    const line = Buffer.from('{"question_id":"x","model_a":"a","conversation_a":[{"role":"user","content":"hi"}]}\n');
    const chunks = [
      Buffer.concat(Array.from({ length: 30_000 }, () => line)),
      randomBytes(300_000),
      Buffer.from('tail\n'),
      Buffer.concat(Array.from({ length: 20_000 }, () => line)),
    ];
    const whole = Buffer.concat(chunks);
    const { bytes, ended } = await gzipped(chunks);
    // The stream it writes into stays open (a response the caller ends).
    expect(ended).toBe(false);
    expect(bytes.length).toBeLessThan(whole.length / 2);
    expect(zlib.gunzipSync(bytes).equals(whole)).toBe(true);
    // Independent readers: gzip(1) tests it (CRC and length included), Python's zlib reads it as one member.
    const tested = spawnSync('gzip', ['-t'], { input: bytes });
    expect(tested.status, tested.stderr.toString()).toBe(0);
    const python = spawnSync(
      'python3',
      [
        '-c',
        // One member: a decompressor of one gzip member reaches its end with no byte left over.
        'import hashlib, sys, zlib\nd = zlib.decompressobj(31)\nout = d.decompress(sys.stdin.buffer.read())\n' +
          'assert d.eof and d.unused_data == b"", "not one gzip member"\nprint(hashlib.sha256(out).hexdigest())',
      ],
      { input: bytes },
    );
    expect(python.status, python.stderr.toString()).toBe(0);
    expect(python.stdout.toString().trim()).toBe(createHash('sha256').update(whole).digest('hex'));
  });

  it('an export without a row is still a valid gzip stream of nothing', async () => {
    const { bytes } = await gzipped([]);
    expect(zlib.gunzipSync(bytes).length).toBe(0);
    expect(spawnSync('gzip', ['-t'], { input: bytes }).status).toBe(0);
  });

  it("a write fails with the stream's failure, through its callback only", async () => {
    const out = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('gone'), { code: 'EPIPE' }));
      },
    });
    out.on('error', () => undefined);
    // No listener for the sink's own 'error': an unhandled one would end the process (a server's, here vitest's).
    const gzip = gzipInto(out);
    await expect(
      new Promise<void>((resolve, reject) => gzip.write(Buffer.from('x'), (e) => (e ? reject(e) : resolve()))),
    ).rejects.toMatchObject({ code: 'EPIPE' });
  });
});
