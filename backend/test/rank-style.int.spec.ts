import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syntheticStyledBattles } from '@arena/ranking';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/test-arena.js';

const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';
const dir = mkdtempSync(path.join(os.tmpdir(), 'arena-rank-style-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function arena(args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI))
    throw new Error('build the backend first (npm run build): the test runs the real arena command');
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'error' },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface StyleOutput {
  battles: number;
  rows: { model: string; rating: number; ciLow: number; ciHigh: number }[];
  styleCoefficients: { tokens: number; headers: number; lists: number; bold: number };
  styleIntervals: Record<string, { low: number; high: number }>;
}

describe('arena rank --style-control', () => {
  it("reads conv_metadata (integers and objects of integers) and equals FastChat's compute_style_control", () => {
    const { rows } = syntheticStyledBattles({ models: 8, battles: 6_000, seed: 21 });
    const file = path.join(dir, 'styled.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(rows.some((r) => typeof r.conv_metadata['header_count_a'] === 'number')).toBe(true);
    expect(rows.some((r) => typeof r.conv_metadata['header_count_a'] === 'object')).toBe(true);

    const ran = arena(['rank', '--input', file, '--style-control', '--format', 'json', '--bootstrap', '20']);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    const ours = JSON.parse(ran.stdout) as StyleOutput;

    const reference = spawnSync(
      PYTHON,
      [path.join(REPO_ROOT, 'bench/reference/style_control_fastchat.py'), 'fit', file],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    if (reference.status !== 0) throw new Error(`FastChat reference failed: ${reference.stderr}`);
    const theirs = JSON.parse(reference.stdout) as { ratings: Record<string, number>; coefficients: number[] };

    expect(ours.battles).toBe(6_000);
    expect(ours.rows).toHaveLength(8);
    for (const row of ours.rows) {
      expect(Math.abs(row.rating - theirs.ratings[row.model]!)).toBeLessThan(0.01);
      expect(row.ciLow).toBeLessThan(row.rating);
      expect(row.ciHigh).toBeGreaterThan(row.rating);
    }
    const names = ['tokens', 'headers', 'lists', 'bold'] as const;
    names.forEach((name, i) => {
      expect(Math.abs(ours.styleCoefficients[name] - theirs.coefficients[i]!)).toBeLessThan(1e-4);
      expect(ours.styleIntervals[name]!.low).toBeLessThan(ours.styleCoefficients[name]);
      expect(ours.styleIntervals[name]!.high).toBeGreaterThan(ours.styleCoefficients[name]);
    });

    // Without style control the same file gives the plain board, with no coefficients.
    const plain = JSON.parse(
      arena(['rank', '--input', file, '--format', 'json', '--bootstrap', '0']).stdout,
    ) as Partial<StyleOutput>;
    expect(plain.styleCoefficients).toBeUndefined();
  });

  it('names the row whose conv_metadata is missing or not made of integers', () => {
    const file = path.join(dir, 'bad.jsonl');
    const good = {
      model_a: 'x',
      model_b: 'y',
      winner: 'model_a',
      conv_metadata: {
        sum_assistant_a_tokens: 10,
        header_count_a: 0,
        list_count_a: 0,
        bold_count_a: 0,
        sum_assistant_b_tokens: 12,
        header_count_b: { h1: 1 },
        list_count_b: 0,
        bold_count_b: 0,
      },
    };
    writeFileSync(file, [good, { model_a: 'x', model_b: 'y', winner: 'tie' }].map((r) => JSON.stringify(r)).join('\n'));
    const missing = arena(['rank', '--input', file, '--style-control']);
    expect(missing.status).not.toBe(0);
    expect(missing.status).toBe(2);
    // A JSON lines file is read by the byte scanner, which names the line.
    expect(missing.stderr).toContain(`${file}:2: style control needs conv_metadata`);

    const fractional = { ...good, conv_metadata: { ...good.conv_metadata, list_count_b: { ordered: 1.5 } } };
    writeFileSync(file, JSON.stringify(fractional));
    const bad = arena(['rank', '--input', file, '--style-control']);
    expect(bad.stderr).toContain('conv_metadata.list_count_b.ordered must be an integer');

    expect(arena(['rank', '--input', file, '--style-control', '--method', 'elo']).stderr).toContain(
      '--style-control needs --method bt',
    );
  });
});
