import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';

export interface ReadImage {
  format: string;
  width: number;
  height: number;
  /** Standard deviation of the grey levels: 0 for a picture of one colour. */
  stddev: number;
}

/**
 * Decodes pictures with Pillow (Debian's python3-pil), not with anything of the arena's: bytes, or base64 text
 * (as the data sets carry them) which Python decodes itself.
 */
export async function readWithPillow(
  images: (Buffer | string)[],
  encoding: 'binary' | 'base64' = 'binary',
): Promise<ReadImage[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-img-'));
  try {
    const files = await Promise.all(
      images.map(async (image, i) => {
        const file = path.join(dir, `${i}.img`);
        await writeFile(file, image);
        return file;
      }),
    );
    const run = spawnSync(PYTHON, [path.join(here, 'read_image.py'), encoding, ...files], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`Pillow could not read the pictures (python3-pil is needed): ${run.stderr}`);
    return run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ReadImage);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
