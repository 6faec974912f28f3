import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { DockerRunner } from '../src/docker/docker.runner.js';
import { RESET_TIMEOUT_MS } from '../src/docker/reset.js';
import { sandboxContainerSpec } from '../src/docker/sandbox-container.js';
import { Supervisor } from '../src/docker/supervisor.js';
import type { RunRequest, RunResult } from '../src/types.js';
import { HOST, hostOf, reuseRunner, runCollecting } from './reuse-fixtures.js';

/**
 * Reuse of sandbox containers against a real engine (see `WarmPool.release` and `RESET_SCRIPT`). Which
 * container a run had is read from inside it: its host name is the container's id. The runners here keep
 * one container and never start another while one is being reset (`growAfterMs` is long), so two runs in
 * a row share a container exactly when it was reused.
 */
const docker = new Docker();
const runner = reuseRunner;
const run = runCollecting;

async function ours(on: DockerRunner): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`arena.owner=${on.owner}`] } });
  return list.length;
}

/**
 * The first program leaves something behind in every place a program can: a process that outlives it (in a
 * session of its own), a file in every writable mount it finds (read from its own mountinfo, so a new one
 * would be covered too), a locked directory, an extended attribute and a mode on the work dir, a POSIX
 * message queue, and a SysV shared memory segment, semaphore set and message queue. It says what it made.
 */
const LEAVE_BEHIND = `${HOST}
import os, subprocess, ctypes
import time
left = subprocess.Popen(['sleep', '1000'], start_new_session=True,
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.2)
if left.poll() is None and 'sleep' in open('/proc/%d/cmdline' % left.pid).read():
    print('made process')
for line in open('/proc/self/mountinfo'):
    point, options = line.split()[4], line.split()[5].split(',')
    if 'rw' not in options:
        continue
    try:
        with open(os.path.join(point, 'arena-left.txt'), 'w') as f:
            f.write('secret')
        print('made file', point)
    except OSError:
        pass
os.makedirs('/sandbox/locked/deeper')
open('/sandbox/locked/deeper/x', 'w').write('secret')
os.chmod('/sandbox/locked/deeper', 0)
os.chmod('/sandbox/locked', 0)
print('made locked')
try:
    os.setxattr('/sandbox', 'user.arena', b'secret')
    print('made xattr')
except OSError as e:
    print('no xattr', e)
os.chmod('/sandbox', 0o755)
print('made mode')
rt = ctypes.CDLL('librt.so.1', use_errno=True)
rt.mq_open.restype = ctypes.c_int
if rt.mq_open(b'/arena-left', os.O_CREAT | os.O_RDWR, 0o600, None) >= 0:
    print('made mqueue')
libc = ctypes.CDLL(None, use_errno=True)
if libc.shmget(0x41524e41, 4096, 0o1000 | 0o600) >= 0:
    print('made shm')
if libc.semget(0x41524e42, 1, 0o1000 | 0o600) >= 0:
    print('made sem')
if libc.msgget(0x41524e43, 0o1000 | 0o600) >= 0:
    print('made msg')
`;

/** The second program reports everything of the first it can find. */
const LOOK_AROUND = `${HOST}
import os, stat
me = os.getpid()
for pid in os.listdir('/proc'):
    if pid.isdigit() and int(pid) != me:
        try:
            status = open('/proc/%s/status' % pid).read()
            cmd = open('/proc/%s/cmdline' % pid, 'rb').read().replace(b'\\0', b' ').decode()
        except OSError:
            continue
        if 'Uid:\\t1000' in status:
            print('process', pid, cmd)
for line in open('/proc/self/mountinfo'):
    point, options = line.split()[4], line.split()[5].split(',')
    if 'rw' in options and os.path.isdir(point) and point not in ('/proc', '/dev/pts'):
        print('file-checked', point)
        for name in os.listdir(point):
            if (point in ('/sandbox', '/tmp', '/dev/shm', '/dev/mqueue') or name == 'arena-left.txt') and name != 'main.py':
                print('file', os.path.join(point, name))
for kind in ('shm', 'sem', 'msg'):
    for line in open('/proc/sysvipc/' + kind).read().splitlines()[1:]:
        print('ipc', kind, line.split()[:2])
try:
    print('xattrs', os.listxattr('/sandbox'))
except OSError as e:
    print('xattrs', [], e)
print('mode', oct(stat.S_IMODE(os.stat('/sandbox').st_mode)))
`;

describe('a reused container', () => {
  it('shows the next program nothing the last one left: processes, files, message queues, shared memory', async () => {
    const on = runner();
    expect(await on.start()).toBe(true);
    const first = await run(on, { environment: 'python', code: LEAVE_BEHIND });
    expect(first.status, first.stderr).toBe('ok');
    for (const made of ['process', 'file /sandbox', 'file /tmp', 'file /dev/shm', 'locked', 'mode', 'mqueue'])
      expect(first.stdout, first.stderr).toContain(`made ${made}`);
    for (const made of ['shm', 'sem', 'msg', 'xattr']) expect(first.stdout).toContain(`made ${made}`);
    const second = await run(on, { environment: 'python', code: LOOK_AROUND });
    expect(second.status, second.stderr).toBe('ok');
    // The same container, reset: the test means something only if it was reused.
    expect(hostOf(second)).toBe(hostOf(first));
    expect(second.stdout).not.toMatch(/^process /m);
    expect(second.stdout).not.toMatch(/^file /m);
    for (const place of ['/sandbox', '/tmp', '/dev/shm', '/dev/mqueue'])
      expect(second.stdout).toMatch(new RegExp(`^file-checked ${place}$`, 'm'));
    expect(second.stdout).not.toMatch(/^ipc /m);
    expect(second.stdout).toMatch(/^xattrs \[\]/m);
    expect(second.stdout).toMatch(/^mode 0o700$/m);
    // And its run is counted on its own: this run's CPU time, not the container's since it started.
    expect(second.cpuMs).toBeLessThan(first.cpuMs ?? Infinity);
  }, 120_000);

  it('serves every language after a reset, with stdin, files and exit codes', async () => {
    const on = runner();
    const hosts = new Set<string>();
    const cases: [RunRequest, string][] = [
      [
        { environment: 'bash', code: 'cat /etc/hostname | sed "s/^/host /"; read x; echo "got $x"', stdin: 'hi\n' },
        'got hi',
      ],
      [
        { environment: 'python', code: `${HOST}\nprint(open("data.txt").read())`, files: { 'data.txt': 'beside' } },
        'beside',
      ],
      [
        {
          environment: 'c',
          code: '#include <stdio.h>\nint main(void){FILE*f=fopen("/etc/hostname","r");char h[80];fscanf(f,"%79s",h);printf("host %s\\nc ok\\n",h);return 0;}',
        },
        'c ok',
      ],
      [{ environment: 'python', code: `${HOST}\nimport sys\nprint(input())\nsys.exit(3)`, stdin: 'typed\n' }, 'typed'],
    ];
    for (const [request, expected] of cases) {
      const ran = await run(on, { limits: { wallMs: 30_000 }, ...request });
      expect(ran.stdout, ran.stderr).toContain(expected);
      hosts.add(hostOf(ran));
      if (request.code.includes('sys.exit(3)')) expect([ran.status, ran.exitCode]).toEqual(['runtime_error', 3]);
      else expect(ran.status, ran.stderr).toBe('ok');
    }
    expect(hosts.size).toBe(1);
  }, 180_000);
});

describe('runs that end abnormally are never reused', () => {
  const cases: { name: string; request: RunRequest; status: RunResult['status'] }[] = [
    {
      name: 'killed by the OOM killer',
      request: { environment: 'python', code: `${HOST}\nx = bytearray(512 * 1024 * 1024)`, limits: { memoryMb: 96 } },
      status: 'memory_limit',
    },
    {
      // The program ends well, but a child of it was OOM-killed: the container saw a limit.
      name: 'ok, but a child was OOM-killed',
      request: {
        environment: 'python',
        code: `${HOST}\nimport subprocess\nr = subprocess.run(["python3", "-c", "x = bytearray(512 * 1024 * 1024)"])\nprint("child", r.returncode)`,
        limits: { memoryMb: 96 },
      },
      status: 'ok',
    },
    {
      name: 'ok, but the pids limit refused a fork',
      request: {
        environment: 'python',
        code: `${HOST}\nimport subprocess\nps = []\ntry:\n    while True: ps.append(subprocess.Popen(["sleep", "30"]))\nexcept OSError as e:\n    print("stopped", len(ps))\nfor p in ps: p.kill()`,
        limits: { processes: 12 },
      },
      status: 'ok',
    },
    {
      name: 'at the CPU time limit',
      request: { environment: 'python', code: `${HOST}\nwhile True: pass`, limits: { cpuMs: 1_000, wallMs: 20_000 } },
      status: 'timeout',
    },
    {
      name: 'at the wall-clock limit',
      request: { environment: 'python', code: `${HOST}\nimport time\ntime.sleep(100)`, limits: { wallMs: 2_000 } },
      status: 'timeout',
    },
    {
      name: 'at the output limit',
      request: { environment: 'python', code: `${HOST}\nwhile True: print("x" * 1000)`, limits: { outputBytes: 4096 } },
      status: 'output_limit',
    },
  ];
  const on = runner();

  it('a normal run is reused by this runner (the cases below can tell)', async () => {
    const first = await run(on, { environment: 'python', code: HOST });
    const second = await run(on, { environment: 'python', code: HOST });
    expect(hostOf(second)).toBe(hostOf(first));
  }, 60_000);

  for (const c of cases) {
    it(`${c.name}: the next run gets another container`, async () => {
      const ended = await run(on, c.request);
      expect(ended.status, ended.stdout + ended.stderr).toBe(c.status);
      const next = await run(on, { environment: 'python', code: HOST });
      expect(next.status).toBe('ok');
      expect(hostOf(next)).not.toBe(hostOf(ended));
    }, 60_000);
  }
});

describe('the caps and the switch', () => {
  it('a container serves at most maxRuns runs', async () => {
    const on = runner({ reuse: { maxRuns: 3 } });
    const hosts: string[] = [];
    for (let i = 0; i < 7; i++) hosts.push(hostOf(await run(on, { environment: 'python', code: HOST })));
    const [a, b, c] = [hosts[0], hosts[3], hosts[6]];
    expect(hosts).toEqual([a, a, a, b, b, b, c]);
    expect(new Set([a, b, c]).size).toBe(3);
  }, 120_000);

  it('reuse off: a fresh container for every run', async () => {
    const on = runner({ reuse: false });
    const hosts: string[] = [];
    for (let i = 0; i < 3; i++) hosts.push(hostOf(await run(on, { environment: 'python', code: HOST })));
    expect(new Set(hosts).size).toBe(3);
  }, 120_000);

  it('the pool grows while runs wait and shrinks back to its size once idle', async () => {
    const on = runner({ maxConcurrent: 4, growAfterMs: 0, shrinkAfterMs: 500 });
    expect(await on.start()).toBe(true);
    let most = 0;
    let running = true;
    const watching = (async () => {
      while (running) {
        most = Math.max(most, await ours(on));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const ran = await Promise.all(
      Array.from({ length: 4 }, () => run(on, { environment: 'python', code: `${HOST}\nimport time\ntime.sleep(2)` })),
    );
    running = false;
    await watching;
    expect(ran.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    // More than the pool's one container served the runs at once.
    expect(most).toBeGreaterThan(1);
    expect(new Set(ran.map(hostOf)).size).toBeGreaterThan(1);
    let count = await ours(on);
    for (let i = 0; i < 100 && count !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      count = await ours(on);
    }
    expect(count).toBe(1);
  }, 120_000);

  it('a container without a seccomp filter is never reset for another run (keyrings would carry state)', async () => {
    const image = process.env['ARENA_SANDBOX_IMAGE'] ?? 'arena-sandbox:latest';
    const reset = async (unconfined: boolean): Promise<void> => {
      const spec = sandboxContainerSpec(image, 'reuse-test', {}, 128, 32, true);
      const host = spec.HostConfig ?? {};
      const container = await docker.createContainer({
        ...spec,
        HostConfig: {
          ...host,
          SecurityOpt: [...(host.SecurityOpt ?? []), ...(unconfined ? ['seccomp=unconfined'] : [])],
        },
      });
      let supervisor: Supervisor | undefined;
      try {
        supervisor = await Supervisor.start(container);
        await supervisor.reset(RESET_TIMEOUT_MS);
      } finally {
        supervisor?.destroy();
        await container.remove({ force: true });
      }
    };
    await expect(reset(false)).resolves.toBeUndefined();
    await expect(reset(true)).rejects.toThrow(/no seccomp filter/);
  }, 60_000);
});
