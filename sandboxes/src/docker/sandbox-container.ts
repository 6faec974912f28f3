import type Docker from 'dockerode';
import { ownerLiveness, ownerProcessLabels, type OwnerLiveness } from './owner-process.js';
import { SANDBOX_ENV } from './recipes.js';

/** The unprivileged user every program runs as. */
export const SANDBOX_USER = '1000:1000';
/**
 * Marks every sandbox container; `arena.created` and `arena.owner` say when and by which runner, the
 * `arena.owner.*` labels which process runs that runner (see `owner-process`).
 */
export const SANDBOX_LABEL = 'arena.sandbox';
/** A stopped sandbox container younger than this may still belong to a live runner. */
const STOPPED_GRACE_MS = 5 * 60_000;

/** The container settings a runner may change (see `DockerRunnerOptions`); unset ones take the defaults. */
export interface SandboxContainerOptions {
  /** CPU quota per run, in cores (default 1). */
  cpus?: number;
  /** Size of the `/sandbox` tmpfs (default 64). */
  workDirMb?: number;
  /** Largest file a program may write (default 32). */
  fileSizeMb?: number;
  /** Open files at once (default 256). */
  openFiles?: number;
}

/**
 * A sandbox container: idles on `sleep infinity` until a run execs into it; no network, read-only root, a
 * small tmpfs work dir, memory = memory+swap, a pids limit, a CPU quota, every capability dropped,
 * no-new-privileges, an unprivileged user, ulimits, no log copy. Labelled with its runner and start time.
 */
export function sandboxContainerSpec(
  image: string,
  owner: string,
  options: SandboxContainerOptions,
  memoryMb: number,
  processes: number,
): Docker.ContainerCreateOptions {
  const workDirMb = options.workDirMb ?? 64;
  const fileSize = (options.fileSizeMb ?? 32) * 1024 * 1024;
  const openFiles = options.openFiles ?? 256;
  const memory = memoryMb * 1024 * 1024;
  return {
    Image: image,
    Cmd: ['sleep', 'infinity'],
    User: SANDBOX_USER,
    WorkingDir: '/sandbox',
    Env: [...SANDBOX_ENV],
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    NetworkDisabled: true,
    StopSignal: 'SIGKILL',
    Labels: {
      [SANDBOX_LABEL]: '1',
      'arena.created': String(Date.now()),
      'arena.owner': owner,
      ...ownerProcessLabels(),
    },
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Init: true,
      Tmpfs: {
        '/sandbox': `rw,exec,nosuid,nodev,size=${workDirMb}m,uid=1000,gid=1000,mode=0700`,
        '/tmp': 'rw,noexec,nosuid,nodev,size=16m,mode=1777',
      },
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: processes,
      NanoCpus: Math.round((options.cpus ?? 1) * 1e9),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Ulimits: [
        { Name: 'nofile', Soft: openFiles, Hard: openFiles },
        { Name: 'fsize', Soft: fileSize, Hard: fileSize },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      LogConfig: { Type: 'none', Config: {} },
      OomScoreAdj: 1000,
      IpcMode: 'private',
      Privileged: false,
      AutoRemove: false,
    },
  };
}

/**
 * Whether a labelled container is one another arena process left behind when it died. One whose owner
 * process is on this machine and gone (see `owner-process`) is, at once, whatever its state. Otherwise
 * (the owner is alive, on another machine, or unnamed) several processes may share the engine, so it is an
 * orphan only by age: a running one older than any warm container may be (twice `maxIdleMs`), a stopped one
 * older than the moments another runner may hold it so (just created and not yet started, or just finished
 * and being removed).
 */
export function isOrphan(
  container: Pick<Docker.ContainerInfo, 'State' | 'Labels'>,
  now: number,
  maxIdleMs: number,
  liveness: (labels: Record<string, string>) => OwnerLiveness = ownerLiveness,
): boolean {
  if (liveness(container.Labels) === 'dead') return true;
  // A live app's container says itself when it must be gone (see `apps/app-container`).
  const expires = Number(container.Labels['arena.expires']);
  if (Number.isFinite(expires) && expires > 0) return expires < now;
  const created = Number(container.Labels['arena.created'] ?? 0);
  return container.State === 'running' ? created < now - 2 * maxIdleMs : created < now - STOPPED_GRACE_MS;
}
