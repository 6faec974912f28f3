import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

/**
 * The process that owns a sandbox container, as its labels name it: enough for another arena process on the
 * same machine to tell whether the owner is still alive, so what a killed process left is removed at once
 * rather than when it is old enough (see `isOrphan`).
 *
 * A pid alone is not enough: pids are reused, so the pid's start time (clock ticks since boot, field 22 of
 * `/proc/<pid>/stat`) goes with it. Both mean something only in one pid namespace of one kernel boot, so the
 * boot id and the pid namespace go too; "the same machine" is those two being equal (two arena containers
 * on one host share the boot id, and the host name when they use the host's network, but not the pid
 * namespace). The host name is for people reading `docker ps`.
 */
export interface OwnerProcess {
  host: string;
  pid: number;
  /** Start time of the pid, in clock ticks since boot. */
  start: string;
  /** `/proc/sys/kernel/random/boot_id`. */
  boot: string;
  /** The inode of the pid namespace (`/proc/self/ns/pid`). */
  pidns: string;
}

export const OWNER_LABELS = {
  host: 'arena.owner.host',
  pid: 'arena.owner.pid',
  start: 'arena.owner.start',
  boot: 'arena.owner.boot',
  pidns: 'arena.owner.pidns',
} as const;

/** Whether the owner of a container is alive: `unknown` when it cannot be told from here (age decides). */
export type OwnerLiveness = 'alive' | 'dead' | 'unknown';

/** A pid's start time and whether it has exited (a zombie waiting for its parent), or undefined if it has no entry. */
function readStat(pid: number): { start: string; exited: boolean } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  if (!start) return undefined;
  return { start, exited: state === 'Z' || state === 'X' };
}

let current: OwnerProcess | null | undefined;

/** This process, or undefined where `/proc` does not say (not Linux): its containers then carry no owner process. */
export function currentProcess(): OwnerProcess | undefined {
  if (current === undefined) {
    try {
      const stat = readStat(process.pid);
      const pidns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      current =
        stat && pidns && boot ? { host: os.hostname(), pid: process.pid, start: stat.start, boot, pidns } : null;
    } catch {
      current = null;
    }
  }
  return current ?? undefined;
}

/** The labels naming the owner process (none where it cannot be named). */
export function ownerProcessLabels(owner = currentProcess()): Record<string, string> {
  if (!owner) return {};
  return {
    [OWNER_LABELS.host]: owner.host,
    [OWNER_LABELS.pid]: String(owner.pid),
    [OWNER_LABELS.start]: owner.start,
    [OWNER_LABELS.boot]: owner.boot,
    [OWNER_LABELS.pidns]: owner.pidns,
  };
}

/** Whether the process a container's labels name is alive, checked from `self` (this process by default). */
export function ownerLiveness(
  labels: Record<string, string>,
  self: OwnerProcess | undefined = currentProcess(),
  stat: (pid: number) => { start: string; exited: boolean } | undefined = readStat,
  signal: (pid: number) => void = (pid) => process.kill(pid, 0),
): OwnerLiveness {
  const pid = Number(labels[OWNER_LABELS.pid]);
  const start = labels[OWNER_LABELS.start];
  if (!self || !Number.isInteger(pid) || pid <= 0 || !start) return 'unknown';
  if (labels[OWNER_LABELS.boot] !== self.boot || labels[OWNER_LABELS.pidns] !== self.pidns) return 'unknown';
  const now = stat(pid);
  if (now) return now.start === start && !now.exited ? 'alive' : 'dead';
  // No readable entry: gone, unless /proc hides other users' processes (hidepid), which signal 0 sees through.
  try {
    signal(pid);
    return 'unknown';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'dead' : 'unknown';
  }
}
