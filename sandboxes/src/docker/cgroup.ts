import { readFile, writeFile } from 'node:fs/promises';

export interface CgroupUsage {
  cpuMs?: number;
  peakMemoryBytes?: number;
  /**
   * Processes the kernel's OOM killer ended in the container (v1 `memory.oom_control` oom_kill, kernel
   * 4.13 and later; v2 `memory.events` oom_kill). Not `failcnt`: that counts every time usage touched the
   * limit, which page cache does without anyone being killed.
   */
  oomKills?: number;
  /** Forks the pids limit refused (v1 and v2 `pids.events` max). */
  pidsLimitHits?: number;
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
    const pids = (await readKeyed(`${root}/pids/docker/${containerId}/pids.events`))?.get('max');
    return {
      peakMemoryBytes: v1,
      ...(cpuNs !== undefined ? { cpuMs: Math.round(cpuNs / 1e6) } : {}),
      ...(kills !== undefined ? { oomKills: kills } : {}),
      ...(pids !== undefined ? { pidsLimitHits: pids } : {}),
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
  const pids = (await readKeyed(`${dir}/pids.events`))?.get('max');
  if (pids !== undefined) usage.pidsLimitHits = pids;
  return usage;
}

/**
 * Start a local container's peak memory afresh, for the next run of a reused container: cgroup v1 takes a
 * write to `memory.max_usage_in_bytes` (the arena process must be allowed to write there). False when it
 * could not (v2's `memory.peak` resets only for the file descriptor that wrote it; see `runUsage`).
 */
export async function resetPeakMemory(containerId: string, root = '/sys/fs/cgroup'): Promise<boolean> {
  try {
    await writeFile(`${root}/memory/docker/${containerId}/memory.max_usage_in_bytes`, '0');
    return true;
  } catch {
    return false;
  }
}

/**
 * What one run used of a reused container: the counters minus what they were when the run was handed the
 * container (`before`). The peak is the run's own when it was reset before the run (`peakReset`), or when
 * it grew past the peak before the run (then this run set it); otherwise unknown and left out.
 */
export function runUsage(after: CgroupUsage, before: CgroupUsage | undefined, peakReset: boolean): CgroupUsage {
  if (!before) return after;
  const usage: CgroupUsage = {};
  const delta = (key: 'cpuMs' | 'oomKills' | 'pidsLimitHits'): void => {
    const [a, b] = [after[key], before[key]];
    if (a !== undefined) usage[key] = b === undefined ? a : Math.max(0, a - b);
  };
  delta('cpuMs');
  delta('oomKills');
  delta('pidsLimitHits');
  const peak = after.peakMemoryBytes;
  if (peak !== undefined && (peakReset || (before.peakMemoryBytes !== undefined && peak > before.peakMemoryBytes)))
    usage.peakMemoryBytes = peak;
  return usage;
}
