import type Docker from 'dockerode';
import { ownerLiveness, ownerProcessLabels, type OwnerLiveness } from './owner-process.js';
import { PYTHON_DRIVER, SANDBOX_ENV } from './recipes.js';
import { RESET_SCRIPT } from './reset.js';
import { SUPERVISOR_BOOT, SUPERVISOR_SCRIPT } from './supervisor-script.js';

/** The unprivileged user every program runs as. */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_USER = `${SANDBOX_UID}:${SANDBOX_GID}`;
/**
 * The user of a reusable container's own processes (its init and supervisor): root with no capability but
 * setuid/setgid (see `sandboxContainerSpec`), so that no program can signal or ptrace them and the reset can
 * kill every process of the sandbox user without stopping the container.
 */
export const REUSABLE_MAIN_UID = 0;
/**
 * The main process of a reusable container: a small boot that reads its supervisor from stdin (see
 * `supervisorBoot`) and runs it. The scripts do not come in the command line: the interpreter keeps several
 * copies of its arguments, about 0.3 MB a container at rest for these.
 */
export function supervisorCommand(): string[] {
  // The driver's own interpreter and flags (see `armedCommand`): the drivers the supervisor forks run as that would.
  return ['python3', '-u', '-c', SUPERVISOR_BOOT];
}

/**
 * What a reusable container's supervisor reads first on its stdin (after a header naming its size): the
 * supervisor, the reset, the sandbox uid and gid, the container's main uid and the driver, NUL-separated.
 */
export function supervisorBoot(): Buffer {
  const words = [
    SUPERVISOR_SCRIPT,
    RESET_SCRIPT,
    String(SANDBOX_UID),
    String(SANDBOX_GID),
    String(REUSABLE_MAIN_UID),
    PYTHON_DRIVER,
  ];
  return Buffer.from(words.join('\0'));
}

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

/** The tmpfs mounts of a sandbox container, all emptied by a reset (`/dev/shm` and `/dev/mqueue` are the engine's). */
export const SANDBOX_TMPFS = ['/sandbox', '/tmp'] as const;

/**
 * A sandbox container: idles on `sleep infinity` until a run execs into it (a reusable one runs its supervisor
 * instead, which takes commands on the stdin the engine attaches to); no network, read-only root, a
 * small tmpfs work dir, memory = memory+swap, a pids limit, a CPU quota, every capability dropped,
 * no-new-privileges, an unprivileged user, ulimits, no log copy. Labelled with its runner and start time.
 */
export function sandboxContainerSpec(
  image: string,
  owner: string,
  options: SandboxContainerOptions,
  memoryMb: number,
  processes: number,
  reusable = false,
): Docker.ContainerCreateOptions {
  const workDirMb = options.workDirMb ?? 64;
  const fileSize = (options.fileSizeMb ?? 32) * 1024 * 1024;
  const openFiles = options.openFiles ?? 256;
  const memory = memoryMb * 1024 * 1024;
  return {
    Image: image,
    Cmd: reusable ? supervisorCommand() : ['sleep', 'infinity'],
    // Programs always run in execs as the sandbox user. A reusable container's own processes are root's
    // instead (see `REUSABLE_MAIN_UID`), and it starts in `/`, which root without capabilities may enter.
    User: reusable ? `${REUSABLE_MAIN_UID}:${REUSABLE_MAIN_UID}` : SANDBOX_USER,
    WorkingDir: reusable ? '/' : '/sandbox',
    Env: [...SANDBOX_ENV],
    Tty: false,
    // The supervisor's commands come on stdin, kept open across attaches.
    OpenStdin: reusable,
    StdinOnce: false,
    AttachStdin: reusable,
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
        '/sandbox': `rw,exec,nosuid,nodev,size=${workDirMb}m,uid=${SANDBOX_UID},gid=${SANDBOX_GID},mode=0700`,
        '/tmp': 'rw,noexec,nosuid,nodev,size=16m,mode=1777',
      },
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: processes,
      NanoCpus: Math.round((options.cpus ?? 1) * 1e9),
      CapDrop: ['ALL'],
      // The reset (forked by the root supervisor) needs these to become the sandbox user; a program never has them: it runs as
      // that user, whose execs get no effective capability, and no-new-privileges stops any setuid or file
      // capability from giving it one.
      ...(reusable ? { CapAdd: ['SETUID', 'SETGID'] } : {}),
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

/**
 * Why a created container may not be reset and reused (undefined when it may): its root file system must be
 * read-only and every writable place a tmpfs the reset empties, with nothing mounted from elsewhere (a
 * volume the image declares, a bind), in a private IPC namespace, with the reusable user and capabilities.
 */
export function reuseProblem(info: Docker.ContainerInspectInfo): string | undefined {
  const host = info.HostConfig;
  if (host.ReadonlyRootfs !== true) return 'the root file system is writable';
  if ((info.Mounts ?? []).length > 0) return `it has mounts: ${info.Mounts.map((m) => m.Destination).join(', ')}`;
  if ((host.Binds ?? []).length > 0) return 'it has binds';
  const tmpfs = Object.keys((host as { Tmpfs?: Record<string, string> }).Tmpfs ?? {});
  if (tmpfs.some((path) => !(SANDBOX_TMPFS as readonly string[]).includes(path)))
    return `it has tmpfs mounts the reset does not empty: ${tmpfs.join(', ')}`;
  if (host.IpcMode !== 'private') return 'its IPC namespace is not private';
  if (host.Privileged) return 'it is privileged';
  if (info.Config.User !== `${REUSABLE_MAIN_UID}:${REUSABLE_MAIN_UID}`) return 'it is not a reusable container';
  const names = (list: unknown): string[] =>
    Array.isArray(list) ? list.map((cap) => String(cap).toUpperCase().replace(/^CAP_/, '')) : [];
  const added = names(host.CapAdd).sort().join(',');
  if (added !== 'SETGID,SETUID' || !names(host.CapDrop).includes('ALL'))
    return `its capabilities are not the reusable set (added: ${added})`;
  const security: unknown = host.SecurityOpt;
  if (!Array.isArray(security) || !security.includes('no-new-privileges')) return 'no-new-privileges is off';
  return undefined;
}

/**
 * The exec of a command as the sandbox user in `/sandbox` with the sandbox's environment (`env` entries
 * replace the ones of the same name), stdout and stderr attached (and stdin with `stdin`), no TTY.
 */
export function sandboxExec(
  container: Docker.Container,
  command: string[],
  options: { env?: readonly string[]; stdin?: boolean } = {},
): Promise<Docker.Exec> {
  const env = options.env ?? [];
  const named = (entry: string) => entry.split('=')[0];
  return container.exec({
    Cmd: command,
    AttachStdin: options.stdin ?? false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    User: SANDBOX_USER,
    WorkingDir: '/sandbox',
    Env: [...SANDBOX_ENV.filter((v) => !env.some((e) => named(e) === named(v))), ...env],
  });
}
