import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCgroupUsage, resetPeakMemory, runUsage } from './cgroup.js';

describe("a reused container's run is counted on its own", () => {
  const before = { cpuMs: 900, oomKills: 0, pidsLimitHits: 2, peakMemoryBytes: 50_000_000 };

  it('takes the counters from the baseline the run was handed', () => {
    expect(runUsage({ cpuMs: 950, oomKills: 1, pidsLimitHits: 2, peakMemoryBytes: 40_000_000 }, before, true)).toEqual({
      cpuMs: 50,
      oomKills: 1,
      pidsLimitHits: 0,
      peakMemoryBytes: 40_000_000,
    });
  });

  it('gives the peak only when it was reset before the run or this run raised it', () => {
    expect(runUsage({ cpuMs: 950, peakMemoryBytes: 40_000_000 }, before, false).peakMemoryBytes).toBeUndefined();
    expect(runUsage({ cpuMs: 950, peakMemoryBytes: 60_000_000 }, before, false).peakMemoryBytes).toBe(60_000_000);
  });

  it("is everything for a container's first run", () => {
    const after = { cpuMs: 950, oomKills: 0, peakMemoryBytes: 1 };
    expect(runUsage(after, undefined, false)).toBe(after);
  });
});

describe('cgroup v1 files', () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('reads the pids limit hits, and resets the peak memory by writing 0', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'cgroup-'));
    made.push(root);
    const id = 'abc';
    for (const dir of ['memory', 'cpuacct', 'pids'])
      await mkdir(path.join(root, dir, 'docker', id), { recursive: true });
    const memory = path.join(root, 'memory/docker', id, 'memory.max_usage_in_bytes');
    await writeFile(memory, '123456\n');
    await writeFile(path.join(root, 'memory/docker', id, 'memory.oom_control'), 'oom_kill_disable 0\noom_kill 1\n');
    await writeFile(path.join(root, 'cpuacct/docker', id, 'cpuacct.usage'), '2500000000\n');
    await writeFile(path.join(root, 'pids/docker', id, 'pids.events'), 'max 3\n');
    expect(await readCgroupUsage(id, root)).toEqual({
      peakMemoryBytes: 123456,
      cpuMs: 2500,
      oomKills: 1,
      pidsLimitHits: 3,
    });
    expect(await resetPeakMemory(id, root)).toBe(true);
    expect(await readFile(memory, 'utf8')).toBe('0');
    expect(await resetPeakMemory('missing', root)).toBe(false);
  });
});
