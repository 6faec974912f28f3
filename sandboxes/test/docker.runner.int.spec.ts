import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDockerHosts } from '../src/docker/docker-host.js';
import { DockerRunner } from '../src/docker/docker.runner.js';
import type { RunRequest, RunResult } from '../src/types.js';
import { LANGUAGE_CASES } from './programs.js';

/**
 * The Docker runner against a real engine and the image `sandboxes/images/build.sh` builds. `.ci/run`
 * starts the engine and builds the image before the tests, so these never skip in CI.
 */
const runner = new DockerRunner({
  poolSize: 2,
  maxConcurrent: 4,
  log: (level, fields, message) => {
    if (level !== 'info') console.warn(message, fields);
  },
});
const docker = new Docker();

interface Ran extends RunResult {
  stdout: string;
  stderr: string;
}
async function run(request: RunRequest): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const result = await runner.run(request, {
    onOutput: (chunk) => {
      if (chunk.stream === 'stdout') stdout += chunk.data;
      else stderr += chunk.data;
    },
  });
  return { ...result, stdout, stderr };
}

async function ourContainers(): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`arena.owner=${runner.owner}`] } });
  return list.length;
}

beforeAll(async () => {
  expect(await runner.start(), JSON.stringify(runner.describeHosts())).toBe(true);
}, 120_000);
afterAll(async () => {
  await runner.close();
});

describe('every language: print, stdin, exit code, compile error, exception, assertions', () => {
  for (const [environment, cases] of Object.entries(LANGUAGE_CASES)) {
    for (const c of cases ?? []) {
      it(`${environment}: ${c.name} → ${c.status}`, async () => {
        const result = await run({
          environment: environment as RunRequest['environment'],
          code: c.code,
          ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
          limits: { wallMs: 30_000, cpuMs: 10_000 },
        });
        const context = JSON.stringify({ result, stdout: result.stdout, stderr: result.stderr.slice(0, 800) });
        expect(result.status, context).toBe(c.status);
        expect(result.runner).toBe('docker');
        if (c.exitCode !== undefined) expect(result.exitCode, context).toBe(c.exitCode);
        if (c.stdout) expect(result.stdout, context).toMatch(c.stdout);
        if (c.stderr) expect(result.stderr, context).toMatch(c.stderr);
      });
    }
  }
});

describe('limits and output', () => {
  it('an out-of-memory kill is memory_limit', async () => {
    const result = await run({
      environment: 'python',
      code: 'x = bytearray(512 * 1024 * 1024)\nprint(len(x))',
      limits: { memoryMb: 96 },
    });
    expect(result.status).toBe('memory_limit');
    expect(result.peakMemoryBytes).toBeGreaterThan(80 * 1024 * 1024);
  });

  it('an endless loop ends with timeout at the CPU limit', async () => {
    const result = await run({
      environment: 'python',
      code: 'while True: pass',
      limits: { cpuMs: 1_000, wallMs: 10_000 },
    });
    expect(result.status).toBe('timeout');
    expect(result.message).toMatch(/CPU time/);
  });

  it('sleeping forever ends with timeout at the wall-clock limit', async () => {
    const result = await run({ environment: 'bash', code: 'sleep 1000', limits: { wallMs: 1_500 } });
    expect(result.status).toBe('timeout');
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it('multi-byte characters split across writes arrive whole; invalid UTF-8 becomes U+FFFD', async () => {
    const result = await run({
      environment: 'python',
      code: 'import sys\nb = "é€😀".encode()\nfor i in range(len(b)):\n    sys.stdout.buffer.write(b[i:i+1]); sys.stdout.flush()\nsys.stdout.buffer.write(b"\\xff\\xfe ok\\n")',
    });
    expect(result.status).toBe('ok');
    expect(result.stdout).toBe('é€😀\uFFFD\uFFFD ok\n');
  });

  it('an output flood stops at the cap with output_limit', async () => {
    const result = await run({ environment: 'bash', code: 'yes flood', limits: { outputBytes: 10_000 } });
    expect(result.status).toBe('output_limit');
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(10_000);
  });

  it('megabytes with no newline stop at the cap too', async () => {
    const result = await run({
      environment: 'python',
      code: 'import sys\nsys.stdout.write("x" * 5_000_000)',
      limits: { outputBytes: 50_000 },
    });
    expect(result.status).toBe('output_limit');
    expect(result.stdout.length).toBe(50_000);
  });

  it('an install block for packages the image has succeeds; one for a missing package names it', async () => {
    const ok = await run({
      environment: 'python',
      code: 'import numpy, pandas\nprint(numpy.arange(3).sum())',
      installCommand: 'pip install numpy pandas==1.5.3',
    });
    expect(ok.status).toBe('ok');
    expect(ok.stdout).toBe('3\n');
    const missing = await run({
      environment: 'python',
      code: 'import torch',
      installCommand: 'pip install torch numpy',
    });
    expect(missing.status).toBe('unsupported');
    expect(missing.message).toMatch(/torch/);
    expect(missing.message).not.toMatch(/numpy/);
  });
});

describe('edge cases', () => {
  it('runs Java in a package, with a main class that is not public', async () => {
    const result = await run({
      environment: 'java',
      code: 'package com.example.app;\nclass Helper { static int twice(int x) { return 2 * x; } }\nclass App { public static void main(String[] a) { System.out.println(Helper.twice(21)); } }',
      limits: { wallMs: 30_000 },
    });
    expect(result.status, result.stderr).toBe('ok');
    expect(result.stdout).toBe('42\n');
  });

  it('a cancelled run stops at once and its container goes', async () => {
    // Cancelled once the program has shown it runs (not after a fixed delay, which a loaded machine may
    // spend starting the container).
    const controller = new AbortController();
    let cancelled = 0;
    let output = '';
    const result = await runner.run(
      { environment: 'bash', code: 'echo started; sleep 100', limits: { wallMs: 60_000 } },
      {
        signal: controller.signal,
        onOutput: (c) => {
          output += c.data;
          if (cancelled === 0 && output.includes('started')) {
            cancelled = performance.now();
            controller.abort();
          }
        },
      },
    );
    expect(result.status).toBe('internal_error');
    expect(result.message).toBe('run cancelled');
    expect(output).toContain('started');
    expect(performance.now() - cancelled).toBeLessThan(5_000);
  });

  it('refuses file names that leave the work dir', async () => {
    const result = await run({ environment: 'bash', code: 'cat ../x', files: { '../escape.txt': 'x' } });
    expect(result.status).toBe('internal_error');
    expect(result.message).toMatch(/refused file name/);
  });

  it('writes extra files beside the program', async () => {
    const result = await run({
      environment: 'python',
      code: 'print(open("data/input.csv").read().strip())',
      files: { 'data/input.csv': 'a,b\n1,2' },
    });
    expect(result.status, result.stderr).toBe('ok');
    expect(result.stdout).toBe('a,b\n1,2\n');
  });
});

describe('sharing an engine', () => {
  it("a runner starting up sweeps only orphans, never another runner's fresh containers", async () => {
    const spec = (created: number) => ({
      Image: runner.image,
      Cmd: ['true'],
      Labels: { 'arena.sandbox': '1', 'arena.created': String(created), 'arena.owner': 'another-process' },
    });
    // Another live runner's container between create and start; and one a dead process left an hour ago.
    const fresh = await docker.createContainer(spec(Date.now()));
    const orphan = await docker.createContainer(spec(Date.now() - 60 * 60_000));
    const second = new DockerRunner({ poolSize: 0 });
    try {
      expect(await second.start()).toBe(true);
      for (let i = 0; i < 50; i++) {
        const left = await docker.listContainers({ all: true, filters: { id: [orphan.id] } });
        if (left.length === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await docker.listContainers({ all: true, filters: { id: [orphan.id] } })).toHaveLength(0);
      expect(await docker.listContainers({ all: true, filters: { id: [fresh.id] } })).toHaveLength(1);
    } finally {
      await second.close();
      await fresh.remove({ force: true });
    }
  });
});

describe('several Docker hosts', () => {
  it('spreads runs over the hosts that answer and reports the one that does not', async () => {
    const multi = new DockerRunner({
      hosts: [
        ...parseDockerHosts('unix:///var/run/docker.sock,/var/run/docker.sock'),
        ...parseDockerHosts('unix:///nonexistent/docker.sock'),
      ],
      poolSize: 1,
    });
    try {
      expect(await multi.start()).toBe(true);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => multi.run({ environment: 'bash', code: `echo ${i}` })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(6).fill('ok'));
      const hosts = multi.describeHosts();
      expect(hosts.map((h) => h.available)).toEqual([true, true, false]);
      expect(hosts[2]?.error).toMatch(/nonexistent/);
      expect(hosts[0]!.runs).toBeGreaterThan(0);
      expect(hosts[1]!.runs).toBeGreaterThan(0);
    } finally {
      await multi.close();
    }
  });
});

describe('hostile programs are contained', () => {
  const canary = `ARENA_CANARY_${Date.now()}`;
  process.env.ARENA_TEST_SECRET = canary;

  const hostile: { name: string; request: RunRequest; check: (r: Ran) => void }[] = [
    {
      name: 'fork bomb',
      request: { environment: 'bash', code: 'f(){ f | f & }; f', limits: { wallMs: 3_000 } },
      check: (r) => expect(['timeout', 'runtime_error', 'ok']).toContain(r.status),
    },
    {
      name: 'memory bomb',
      request: { environment: 'python', code: 'a = []\nwhile True: a.append(" " * 10_000_000)' },
      check: (r) => expect(r.status).toBe('memory_limit'),
    },
    {
      name: 'children that outlive the time-out (setsid, nohup)',
      request: {
        environment: 'bash',
        code: `setsid sleep 777 & nohup sleep 778 >/dev/null 2>&1 & (trap '' HUP; sleep 779) & echo started`,
        limits: { wallMs: 2_000 },
      },
      check: (r) => expect(r.stdout).toContain('started'),
    },
    {
      name: 'reading /proc/self/environ',
      request: { environment: 'bash', code: 'tr "\\0" "\\n" < /proc/self/environ' },
      check: (r) => {
        expect(r.stdout).not.toContain(canary);
        expect(r.stdout).not.toMatch(/DATABASE_URL|ARENA_/);
      },
    },
    {
      name: 'reading /proc/1/cmdline',
      request: { environment: 'bash', code: 'tr "\\0" " " < /proc/1/cmdline; echo' },
      check: (r) => expect(r.stdout).not.toMatch(/dockerd|systemd|\/sbin\/init|node/),
    },
    {
      name: 'the Docker socket and host files',
      request: {
        environment: 'bash',
        code: 'ls -la /var/run/docker.sock /run/docker.sock 2>&1; cat /etc/shadow 2>&1; ls /work /root 2>&1; echo done',
      },
      check: (r) => {
        expect(r.stdout).toMatch(/No such file or directory/);
        expect(r.stdout).not.toMatch(/^root:/m);
        expect(r.stdout).not.toMatch(/docker\.sock\n/);
      },
    },
    {
      name: 'network access',
      request: {
        environment: 'python',
        code: 'import socket\nfor host in ["127.0.0.1", "172.17.0.1", "1.1.1.1"]:\n    try:\n        socket.create_connection((host, 5432), timeout=1)\n        print("connected", host)\n    except OSError as e:\n        print("refused", host, type(e).__name__)',
      },
      check: (r) => {
        expect(r.stdout).not.toMatch(/connected/);
        expect(r.stdout.match(/refused/g)).toHaveLength(3);
      },
    },
    {
      name: 'symlink tricks in the work dir',
      request: {
        environment: 'bash',
        code: 'ln -s / root; ln -s /proc/1/root host; cat root/etc/hostname; ls host/ 2>&1 | head -3; cat host/etc/shadow 2>&1 | head -1',
      },
      check: (r) => {
        expect(r.stdout + r.stderr).toMatch(/Permission denied|No such file/);
        expect(r.stdout).not.toMatch(/^root:/m);
      },
    },
    {
      name: 'fd exhaustion',
      request: {
        environment: 'python',
        code: 'import os\nfds = []\ntry:\n    while True: fds.append(os.open("/dev/null", os.O_RDONLY))\nexcept OSError as e:\n    print("stopped at", len(fds), e.strerror)',
      },
      check: (r) => {
        expect(r.status).toBe('ok');
        expect(r.stdout).toMatch(/stopped at \d+ Too many open files/);
      },
    },
    {
      name: 'writing past the file-size limit',
      request: { environment: 'bash', code: 'head -c 100000000 /dev/zero > big.bin; echo "exit=$?"; ls -la big.bin' },
      check: (r) => expect(r.stdout + r.stderr).toMatch(/File size limit exceeded|exit=1|exit=153|No space left/),
    },
    {
      name: 'privilege escalation',
      request: {
        environment: 'bash',
        code: 'id -u; su -c id 2>&1; mount -t tmpfs x /mnt 2>&1; echo 1 > /proc/sys/kernel/panic 2>&1; touch /usr/bin/x 2>&1',
      },
      check: (r) => {
        expect(r.stdout.split('\n')[0]).toBe('1000');
        expect(r.stdout).toMatch(/Read-only file system/);
      },
    },
  ];

  for (const h of hostile) {
    it(`${h.name}: contained, and a normal run alongside still succeeds`, async () => {
      const [result, normal] = await Promise.all([
        run({ ...h.request, limits: { wallMs: 5_000, ...h.request.limits } }),
        run({ environment: 'python', code: 'print(sum(range(10)))' }),
      ]);
      h.check(result);
      expect(normal.status).toBe('ok');
      expect(normal.stdout).toBe('45\n');
    });
  }

  it('files written by one run are not visible to the next', async () => {
    const first = await run({
      environment: 'bash',
      code: 'echo secret > /sandbox/left.txt; echo secret > /tmp/left.txt; echo written',
    });
    expect(first.stdout).toBe('written\n');
    const second = await run({ environment: 'bash', code: 'cat /sandbox/left.txt /tmp/left.txt 2>&1; echo end' });
    expect(second.stdout).not.toContain('secret');
  });

  it('leaves no container and no process behind', async () => {
    // Every finished run's container is force-removed; after close, the warm pool is gone too.
    await runner.close();
    for (let i = 0; i < 50 && (await ourContainers()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await ourContainers()).toBe(0);
    const processes = execFileSync('ps', ['-eo', 'args']).toString();
    expect(processes).not.toMatch(/sleep 77[789]/);
  });
});
