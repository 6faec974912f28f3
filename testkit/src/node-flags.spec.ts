import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_NODE_FLAGS, REPO_ROOT, SERVER_NODE_FLAGS } from './index.js';

const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe('the server is started with the same Node.js flags everywhere', () => {
  it('package.json, scripts/up.sh and the Dockerfile give the flags the tests and benchmarks use', () => {
    const line = SERVER_NODE_FLAGS.join(' ');
    const scripts = (file: string): Record<string, string> =>
      (JSON.parse(read(file)) as { scripts: Record<string, string> }).scripts;
    expect(scripts('package.json')['start']).toBe(`node ${line} backend/dist/main.js`);
    expect(scripts('backend/package.json')['start']).toBe(`node ${line} dist/main.js`);
    expect(read('scripts/up.sh')).toContain(`exec node ${line} backend/dist/main.js`);
    expect(read('Dockerfile')).toContain(
      `CMD ${JSON.stringify(['node', ...SERVER_NODE_FLAGS, 'backend/dist/main.js']).replaceAll(',', ', ')}`,
    );
  });

  it('the arena command line runs with its own heap settings', () => {
    expect(read('backend/src/cli/arena.ts').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${CLI_NODE_FLAGS.join(' ')}`);
  });
});
