import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syntheticBattles, syntheticStyledBattles } from '@arena/ranking';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'arena-rank-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function arena(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI))
    throw new Error('build the backend first (npm run build): the test runs the real arena command');
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('arena rank --input', () => {
  it('ranks a JSON lines file (read by the byte scanner) exactly as the same rows given as a JSON array', () => {
    const { rows } = syntheticBattles({ models: 12, battles: 20_000, seed: 7, tieRate: 0.15 });
    const jsonl = path.join(dir, 'battles.jsonl');
    const json = path.join(dir, 'battles.json');
    writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(json, JSON.stringify(rows));
    const args = ['--format', 'json', '--bootstrap', '30', '--seed', '3'];
    const fast = arena(['rank', '--input', jsonl, ...args]);
    const parsed = arena(['rank', '--input', json, ...args]);
    expect(fast.status, fast.stderr).toBe(0);
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(JSON.parse(fast.stdout)).toEqual(JSON.parse(parsed.stdout));
    expect((JSON.parse(fast.stdout) as { battles: number }).battles).toBe(20_000);
  });

  it('style-controls a JSON lines file exactly as the same rows given as a JSON array', () => {
    const { rows } = syntheticStyledBattles({ models: 6, battles: 4_000, seed: 5 });
    const jsonl = path.join(dir, 'styled.jsonl');
    const json = path.join(dir, 'styled.json');
    writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(json, JSON.stringify(rows));
    const args = ['--style-control', '--format', 'json', '--bootstrap', '10'];
    const fast = arena(['rank', '--input', jsonl, ...args]);
    const parsed = arena(['rank', '--input', json, ...args]);
    expect(fast.status, fast.stderr).toBe(0);
    expect(JSON.parse(fast.stdout)).toEqual(JSON.parse(parsed.stdout));
  });

  it('needs no configuration for a file: a bad setting only matters to commands that use it', () => {
    const { rows } = syntheticBattles({ models: 3, battles: 300, seed: 1 });
    const file = path.join(dir, 'small.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const env = { PORT: 'not-a-port' };
    expect(arena(['rank', '--input', file, '--format', 'csv'], env).status).toBe(0);
    const fromVotes = arena(['rank'], env);
    expect(fromVotes.status).toBe(2);
    expect(fromVotes.stderr).toContain('arena: invalid configuration');
  });

  it('answers an unreadable file, an unknown command and a bad option with one line and status 2', () => {
    const missing = arena(['rank', '--input', path.join(dir, 'nope.jsonl')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^arena: cannot read .*nope\.jsonl: ENOENT\n$/);
    const unknown = arena(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('arena: unknown command frobnicate');
    const option = arena(['rank', '--bogus']);
    expect(option.status).toBe(2);
    expect(option.stderr).toContain('usage:');
  });
});
