import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { DockerRunner } from '../src/docker/docker.runner.js';
import { HOST, hostOf, reuseRunner, runCollecting, type Ran } from './reuse-fixtures.js';

/**
 * The supervisor of a reusable container (see `SUPERVISOR_SCRIPT`) against a real engine: its commands come
 * only from the engine's side, what a program prints never passes for one of its records, and a run or a
 * container that goes wrong ends cleanly.
 */
const docker = new Docker();
const run = (on: DockerRunner, code: string): Promise<Ran> =>
  runCollecting(on, { environment: 'python', code, limits: { wallMs: 30_000 } });

async function ours(on: DockerRunner): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`arena.owner=${on.owner}`] } });
  return list.map((info) => info.Id);
}

describe('the supervisor of a reusable container', () => {
  it('takes no command from a program: its stdin is out of reach, and records a program prints are output', async () => {
    const on = reuseRunner();
    expect(await on.start()).toBe(true);
    // A record as the supervisor writes it: kind, generation, length, payload: an exit code of 0 for runs
    // 1 to 3, which a runner reading the program's stdout as records would take for the run's end.
    const forged = [1, 2, 3].map((gen) => `b'x' + struct.pack('>II', ${gen}, 1) + b'0'`).join(' + ');
    const ran = await run(
      on,
      `${HOST}
import os, struct, sys
# The container's init and the supervisor: root's processes with the supervisor's command line (this
# driver, forked by the supervisor, has it too).
sups = [int(p) for p in os.listdir('/proc') if p.isdigit() and b'arena-supervisor' in open('/proc/%s/cmdline' % p, 'rb').read()
        and 'Uid:\t0\t' in open('/proc/%s/status' % p).read()]
print('supervisors', len(sups))
for pid in sups:
    for path in ('/proc/%d/fd/0' % pid, '/proc/%d/fd/1' % pid):
        try:
            open(path, 'wb').write(b'reset 99 x\\n')
            print('reached', path)
        except OSError as e:
            print('refused', e.errno)
# The listing's own descriptor is the one past the three.
print('own fds', sorted(int(fd) for fd in os.listdir('/proc/self/fd')))
for fd in (0, 1, 2):
    print('fd', fd, os.readlink('/proc/self/fd/%d' % fd).split(':')[0])
sys.stdout.flush()
os.write(1, ${forged})
os.write(1, b'\\nafter the forged records\\n')
sys.exit(5)
`,
    );
    expect(ran.stdout).toMatch(/^supervisors 2$/m);
    expect(ran.stdout).not.toMatch(/^reached/m);
    expect(ran.stdout.match(/^refused 13$/gm)).toHaveLength(4);
    expect(ran.stdout).toMatch(/^own fds \[0, 1, 2, 3\]$/m);
    // stdin is the program's input (nothing here), stdout and stderr pipes of the supervisor.
    expect(ran.stdout).toMatch(/^fd 1 pipe$/m);
    expect(ran.stdout).toMatch(/^fd 2 pipe$/m);
    expect(ran.stdout).toContain('x\u0000\u0000\u0000\u0001\u0000\u0000\u0000\u00010');
    expect(ran.stdout).toMatch(/^after the forged records$/m);
    expect([ran.status, ran.exitCode]).toEqual(['runtime_error', 5]);
    // And the container goes on serving.
    const next = await run(on, HOST);
    expect(next.status).toBe('ok');
    expect(hostOf(next)).toBe(hostOf(ran));
  }, 60_000);

  it('a driver forked by the supervisor ends as an interpreter of its own would', async () => {
    const on = reuseRunner();
    // Threads that are not daemons are waited for, atexit runs, exit() (from site) gives the code; the
    // flags are those of python3 -u; the process is dumpable (its own /proc files are its user's).
    const ran = await run(
      on,
      `${HOST}
import atexit, os, sys, threading, time
print('flags', sys.flags.isolated, sys.flags.no_site, sys.flags.ignore_environment, sys.flags.dont_write_bytecode)
print('path has dist-packages', any(p.endswith('dist-packages') for p in sys.path))
print('status owner', os.stat('/proc/self/status').st_uid)
atexit.register(lambda: print('atexit ran', flush=True))
threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', flush=True))).start()
exit(4)
`,
    );
    expect(ran.stdout).toMatch(/^flags 0 0 0 1$/m);
    expect(ran.stdout).toMatch(/^path has dist-packages True$/m);
    expect(ran.stdout).toMatch(/^status owner 1000$/m);
    expect(ran.stdout).toMatch(/^thread done\natexit ran$/m);
    expect([ran.status, ran.exitCode]).toEqual(['runtime_error', 4]);
  }, 60_000);

  it('a driver killed in the middle of its run ends that run, and the container serves the next', async () => {
    const on = reuseRunner();
    const killed = await run(
      on,
      `${HOST}\nimport os, signal\nprint('before', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\nprint('after')`,
    );
    expect(killed.stdout).toMatch(/^before$/m);
    expect(killed.stdout).not.toMatch(/^after$/m);
    expect([killed.status, killed.exitCode]).toEqual(['runtime_error', 137]);
    const next = await run(on, HOST);
    expect(next.status).toBe('ok');
    expect(hostOf(next)).toBe(hostOf(killed));
  }, 60_000);

  it('a child that holds the output open after the driver exited does not hold the run', async () => {
    const on = reuseRunner();
    const ran = await run(
      on,
      `${HOST}\nimport os, time\nif os.fork() == 0:\n    time.sleep(20)\n    print('late')\n    os._exit(0)\nprint('main done')`,
    );
    expect(ran.status).toBe('ok');
    expect(ran.stdout).toMatch(/^main done$/m);
    expect(ran.stdout).not.toMatch(/^late$/m);
    const next = await run(
      on,
      `${HOST}\nimport os\nprint('others', [p for p in os.listdir('/proc') if p.isdigit() and 'Uid:\\t1000' in open('/proc/%s/status' % p).read() and int(p) != os.getpid()])`,
    );
    expect(hostOf(next)).toBe(hostOf(ran));
    expect(next.stdout).toMatch(/^others \[\]$/m);
  }, 60_000);

  it('a reset that fails removes the container, and the next run gets another', async () => {
    const on = reuseRunner();
    // Deeper than the reset empties (64 levels): the reset gives the container up.
    const deep = await run(
      on,
      `${HOST}\nimport os\nd = '/sandbox/deep'\nfor i in range(80):\n    d = os.path.join(d, 'd')\nos.makedirs(d)\nprint('made')`,
    );
    expect(deep.status, deep.stderr).toBe('ok');
    const next = await run(on, HOST);
    expect(next.status).toBe('ok');
    expect(hostOf(next)).not.toBe(hostOf(deep));
    let left = await ours(on);
    for (let i = 0; i < 100 && left.some((id) => id.startsWith(hostOf(deep))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = await ours(on);
    }
    expect(left.filter((id) => id.startsWith(hostOf(deep)))).toEqual([]);
  }, 60_000);

  it('an idle container whose supervisor is gone is not handed out: the run gets another', async () => {
    const on = reuseRunner();
    const first = await run(on, HOST);
    expect(first.status).toBe('ok');
    // Wait for the reset, then stop the idle container behind the runner's back.
    for (let i = 0; i < 100 && on.describeHosts()[0]?.idle !== 1; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const idle = (await ours(on)).filter((id) => id.startsWith(hostOf(first)));
    expect(idle).toHaveLength(1);
    for (const id of idle) await docker.getContainer(id).kill();
    // Until the runner has seen its supervisor's stream end.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await run(on, HOST);
    expect(next.status, next.stderr).toBe('ok');
    expect(hostOf(next)).not.toBe(hostOf(first));
  }, 60_000);

  it('a program whose memory the OOM killer takes back from the supervisor ends memory_limit, and its container goes', async () => {
    const on = reuseRunner();
    // Memory charged to the container but in no process's RSS (memfds written with write(2)), then only a small
    // process left: the supervisor is the largest one, and the OOM killer's pick.
    const ran = await runCollecting(on, {
      environment: 'python',
      code: `${HOST}
import os
chunk = b'\\0' * (1 << 20)
for _ in range(3):
    fd = os.memfd_create('x', 0)
    for _ in range(31):
        os.write(fd, chunk)
print('filled', flush=True)
os.dup2(os.memfd_create('y', 0), 1)
os.execv('/bin/cat', ['cat', '/dev/zero'])
`,
      limits: { wallMs: 30_000, memoryMb: 128 },
    });
    expect(ran.stdout).toMatch(/^filled$/m);
    expect([ran.status, ran.message], ran.stderr).toEqual(['memory_limit', 'memory limit of 128 MB exceeded']);
    const next = await run(on, HOST);
    expect(next.status).toBe('ok');
    expect(hostOf(next)).not.toBe(hostOf(ran));
  }, 60_000);

  it('a leftover process that stops every process of the sandbox user cannot stop the reset', async () => {
    const on = reuseRunner();
    // It spins on kill(-1, SIGSTOP) once the driver is gone, as the reset starts. It wins the race with the
    // reset's kill in about a third of the rounds when the reset can be signalled (five rounds failed four
    // runs of five): ten rounds.
    let last: Ran | undefined;
    for (let round = 0; round < 10; round++) {
      const ran = await run(
        on,
        `${HOST}
import ctypes, os, threading
driver = os.getpid()
def stop_all():
    # kill(2) through ctypes lets go of the GIL: two threads, one process (kill(-1) spares its own threads).
    kill = ctypes.CDLL(None).kill
    while True:
        kill(-1, 19)
if os.fork() == 0:
    os.setsid()
    for fd in (0, 1, 2):
        os.dup2(os.open('/dev/null', os.O_RDWR), fd)
    while os.path.exists('/proc/%d' % driver):
        pass
    threading.Thread(target=stop_all).start()
    stop_all()
print('left a stopper')
`,
      );
      expect(ran.status, ran.stderr).toBe('ok');
      expect(ran.stdout).toMatch(/^left a stopper$/m);
      if (last) expect(hostOf(ran), `round ${round}`).toBe(hostOf(last));
      last = ran;
    }
    const next = await run(
      on,
      `${HOST}\nimport os\nprint('others', [p for p in os.listdir('/proc') if p.isdigit() and 'Uid:\\t1000' in open('/proc/%s/status' % p).read() and int(p) != os.getpid()])`,
    );
    expect(next.status).toBe('ok');
    expect(hostOf(next)).toBe(hostOf(last!));
    expect(next.stdout).toMatch(/^others \[\]$/m);
  }, 120_000);

  it('a process table full when the reset is due fails the reset cleanly: no crash of the supervisor', async () => {
    const failures: string[] = [];
    const on = reuseRunner({
      log: (level, fields, message) => {
        if (message.includes('could not be reset')) failures.push(String(fields.err));
        else if (level !== 'info') console.warn(message, fields);
      },
    });
    // Every free pid slot taken without a refused fork (so the run counts as reusable), and the driver's own
    // slot once it is reaped: the supervisor's fork of the reset is refused.
    const full = await run(
      on,
      `${HOST}
import os, time
base = '/sys/fs/cgroup/pids/'
free = int(open(base + 'pids.max').read()) - int(open(base + 'pids.current').read())
driver = os.getpid()
for i in range(free):
    if os.fork() == 0:
        os.setsid()
        for fd in (0, 1, 2):
            os.dup2(os.open('/dev/null', os.O_RDWR), fd)
        if i == 0:
            while os.path.exists('/proc/%d' % driver):
                time.sleep(0.001)
            os.fork()
        time.sleep(3600)
        os._exit(0)
print('took', free, 'events', open(base + 'pids.events').read().split())
`,
    );
    expect(full.status, full.stderr).toBe('ok');
    expect(full.stdout).toMatch(/^took \d+ events \['max', '0'\]$/m);
    const next = await run(on, HOST);
    expect(next.status).toBe('ok');
    expect(hostOf(next)).not.toBe(hostOf(full));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/could not fork the reset/);
    expect(failures[0]).not.toMatch(/Traceback/);
  }, 60_000);
});
