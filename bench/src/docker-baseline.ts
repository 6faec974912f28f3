/**
 * The baseline the sandbox benches measure the warm pool against: one `docker run` per program, with the same
 * hardening the pool's containers have (no network, read-only root, tmpfs work dir, memory, pids, CPU, no
 * capabilities, uid 1000).
 */
export const SANDBOX_IMAGE = process.env['ARENA_SANDBOX_IMAGE'] ?? 'arena-sandbox:latest';

/** `docker` arguments up to the image: `--rm`, stdin kept open with `interactive`, and `env` set in the container. */
export function dockerRunArgs(memoryMb: number, options: { interactive?: boolean; env?: string[] } = {}): string[] {
  return [
    'run',
    '--rm',
    ...(options.interactive ? ['-i'] : []),
    '--network',
    'none',
    '--read-only',
    '--init',
    '--log-driver',
    'none',
    '--tmpfs',
    '/sandbox:rw,exec,size=64m,uid=1000,gid=1000,mode=700',
    '--tmpfs',
    '/tmp:rw,size=16m,mode=1777',
    '-m',
    `${memoryMb}m`,
    '--memory-swap',
    `${memoryMb}m`,
    '--pids-limit',
    '64',
    '--cpus',
    '1',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '-u',
    '1000:1000',
    '--ulimit',
    'nofile=256:256',
    ...(options.env ? ['-w', '/sandbox', ...options.env.flatMap((e) => ['-e', e])] : []),
    SANDBOX_IMAGE,
  ];
}
