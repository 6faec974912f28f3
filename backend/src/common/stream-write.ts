import type { Writable } from 'node:stream';

/** Write to a stream, waiting for it to drain when it asks (so a slow reader never makes memory grow). */
export async function write(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        out.off('error', onError);
        resolve();
      };
      const onError = (error: Error): void => {
        out.off('drain', onDrain);
        reject(error);
      };
      out.once('drain', onDrain);
      out.once('error', onError);
    });
  }
}

/** Hand bytes to a stream; resolves once it has written them (until then they must not change). */
export function written(out: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => out.write(chunk, (error) => (error ? reject(error) : resolve())));
}
