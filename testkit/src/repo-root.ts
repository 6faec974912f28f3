import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (from the source and from the build alike: both sit one level under testkit/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
