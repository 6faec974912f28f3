import { createHash } from 'node:crypto';
import path from 'node:path';
import type { EvalTask } from './eval-task.js';

/** A task set as results are stored and compared under: its name, content hash and id (`name@hash12`). */
export interface EvalTaskSetIdentity {
  id: string;
  name: string;
  /** SHA-256 (hex) of the tasks' content, in order of language and id. */
  hash: string;
}

/** A task file's name without its directory and its `.jsonl` / `.jsonl.gz` ending, in the id's alphabet. */
function fileStem(file: string): string {
  return path
    .basename(file)
    .replace(/\.jsonl(?:\.gz)?$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-');
}

/**
 * The identity of the tasks one `arena eval` ran: named after its files, hashed over what makes a task (its
 * language, id, format, prompt, tests, further files and mock API), so that two runs share a set exactly when
 * they ran the same tasks — another `--limit`, `--language` or an edited file is another set.
 */
export function evalTaskSet(files: readonly string[], tasks: readonly EvalTask[]): EvalTaskSetIdentity {
  const hash = createHash('sha256');
  const ordered = [...tasks].sort((a, b) =>
    a.language === b.language ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.language < b.language ? -1 : 1,
  );
  for (const t of ordered)
    hash.update(
      `${JSON.stringify([t.language, t.id, t.format, t.prompt, t.tests, t.entryPoint, t.testSetup ?? null, t.files ?? null, t.mockApi ?? null])}\n`,
    );
  const digest = hash.digest('hex');
  const name = ([...new Set(files.map(fileStem))].join('+') || 'tasks').slice(0, 180);
  return { id: `${name}@${digest.slice(0, 12)}`, name, hash: digest };
}
