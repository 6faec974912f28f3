import { readFile } from 'node:fs/promises';

/** Clock ticks per second in /proc/<pid>/stat: USER_HZ, fixed at 100 in the kernel's ABI. */
const USER_HZ = 100;

/** A process's resident memory, as the kernel counts it (Linux); undefined elsewhere or once it is gone. */
export async function readRssBytes(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU time a process has used so far, all threads, user and kernel apart (Linux); undefined elsewhere or once gone. */
export async function readCpuTimes(pid: number | undefined): Promise<{ userMs: number; sysMs: number } | undefined> {
  if (!pid) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime)
      ? { userMs: (utime * 1000) / USER_HZ, sysMs: (stime * 1000) / USER_HZ }
      : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) a process has used so far (Linux); undefined elsewhere or once it is gone. */
export async function readCpuMs(pid: number | undefined): Promise<number | undefined> {
  const times = await readCpuTimes(pid);
  return times && times.userMs + times.sysMs;
}
