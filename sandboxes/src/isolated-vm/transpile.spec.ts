import { afterAll, describe, expect, it } from 'vitest';
import { TransformService } from '../transform/transform-service.js';
import { transpileForIsolate } from './transpile.js';

const transforms = new TransformService({ size: 1, maxInputBytes: 1024 });
afterAll(() => transforms.close());

describe('transpileForIsolate', () => {
  it('strips types, and tells a module from a script', async () => {
    expect(await transpileForIsolate('const a: number = 1;\nconsole.log(a);', 'typescript', transforms)).toEqual({
      ok: true,
      code: 'const a = 1;\nconsole.log(a);\n',
      sourceType: 'script',
    });
    const module = await transpileForIsolate('export const a = 1;', 'javascript', transforms);
    expect(module).toEqual({ ok: true, code: 'export const a = 1;', sourceType: 'module' });
  });

  it("calls JavaScript's own mistakes SyntaxError and the arena's limits error", async () => {
    expect(await transpileForIsolate('console.log("a"', 'javascript', transforms)).toEqual({
      ok: false,
      error: 'main.js:1:16 - SyntaxError: Expected ")" but found end of file\n',
    });
    expect(await transpileForIsolate(`// ${'x'.repeat(2048)}`, 'javascript', transforms)).toEqual({
      ok: false,
      error: 'main.js - error: the program is 2.0 KB; the arena compiles programs of up to 1.0 KB\n',
    });
    const ts = await transpileForIsolate(`// ${'x'.repeat(2048)}`, 'typescript', transforms);
    expect(ts.ok || ts.error).toMatch(/^main\.ts - error: the program is 2\.0 KB/);
  });
});
