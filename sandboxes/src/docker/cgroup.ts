import { readFile } from 'node:fs/promises';

export interface CgroupUsage {
  cpuMs?: number;
  peakMemoryBytes?: number;
  /**
   * Processes the kernel's OOM killer ended in the container (v1 `memory.oom_control` oom_kill, kernel
   * 4.13 and later; v2 `memory.events` oom_kill). Not `failcnt`: that counts every time usage touched the
   * limit, which page cache does without anyone being killed.
   */
  oomKills?: number;
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
 * A local container's CPU time, peak memory and OOM kills straight from its cgroup (v1 `docker/<id>` or v2
 * `system.slice/docker-<id>.scope`): the engine's stats call waits a second for a CPU sample, this
 * costs a few file reads. Undefined fields when the engine is remote or the layout unknown.
 */
export async function readCgroupUsage(containerId: string, root = '/sys/fs/cgroup'): Promise<CgroupUsage> {
  const v1 = await readNumber(`${root}/memory/docker/${containerId}/memory.max_usage_in_bytes`);
  if (v1 !== undefined) {
    const cpuNs = await readNumber(`${root}/cpuacct/docker/${containerId}/cpuacct.usage`);
    const kills = (await readKeyed(`${root}/memory/docker/${containerId}/memory.oom_control`))?.get('oom_kill');
    return {
      peakMemoryBytes: v1,
      ...(cpuNs !== undefined ? { cpuMs: Math.round(cpuNs / 1e6) } : {}),
      ...(kills !== undefined ? { oomKills: kills } : {}),
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
  if (kills !== undefined) usage.oomKills = kills;
  return usage;
}
