import { readFile } from 'node:fs/promises';

export interface CgroupUsage {
  cpuMs?: number;
  peakMemoryBytes?: number;
  /** Times the memory limit was hit (cgroup v1 `failcnt`, v2 `memory.events` oom_kill). */
  memoryLimitHits?: number;
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function readKeyed(file: string): Promise<Map<string, number> | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    return new Map(
      text
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((parts) => parts.length === 2)
        .map(([key, value]) => [key ?? '', Number(value)]),
    );
  } catch {
    return undefined;
  }
}

/**
 * A local container's CPU time and peak memory straight from its cgroup (v1 `docker/<id>` or v2
 * `system.slice/docker-<id>.scope`): the engine's stats call waits a second for a CPU sample, this
 * costs a few file reads. Undefined fields when the engine is remote or the layout unknown.
 */
export async function readCgroupUsage(containerId: string, root = '/sys/fs/cgroup'): Promise<CgroupUsage> {
  const v1 = await readNumber(`${root}/memory/docker/${containerId}/memory.max_usage_in_bytes`);
  if (v1 !== undefined) {
    const cpuNs = await readNumber(`${root}/cpuacct/docker/${containerId}/cpuacct.usage`);
    const failcnt = await readNumber(`${root}/memory/docker/${containerId}/memory.failcnt`);
    return {
      peakMemoryBytes: v1,
      ...(cpuNs !== undefined ? { cpuMs: Math.round(cpuNs / 1e6) } : {}),
      ...(failcnt !== undefined ? { memoryLimitHits: failcnt } : {}),
    };
  }
  const dir = `${root}/system.slice/docker-${containerId}.scope`;
  const peak = await readNumber(`${dir}/memory.peak`);
  const cpu = await readKeyed(`${dir}/cpu.stat`);
  const events = await readKeyed(`${dir}/memory.events`);
  const usage: CgroupUsage = {};
  if (peak !== undefined) usage.peakMemoryBytes = peak;
  const micros = cpu?.get('usage_usec');
  if (micros !== undefined) usage.cpuMs = Math.round(micros / 1000);
  const kills = events?.get('oom_kill');
  if (kills !== undefined) usage.memoryLimitHits = kills;
  return usage;
}
