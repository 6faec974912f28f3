import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DockerRunner } from '../src/docker/docker.runner.js';

/**
 * Containers an arena process left when it was killed (`kill -9`) are removed by the next runner that starts
 * on the same machine, and by a running runner's periodic sweep, at once rather than after an hour: each
 * container names the process that owns it (host, pid, the pid's start time, the kernel boot and pid
 * namespace) and a process that is gone, or whose pid now belongs to another process, holds nothing.
 */
const docker = new Docker();
const IMAGE = 'arena-sandbox:latest';
/** Marks what this file creates, to find it with `docker ps --filter` and to clean it up. */
const TEST_LABEL = `arena.test=orphan-sweep-${process.pid}-${Date.now()}`;

/** The pid's start time in clock ticks since boot (field 22 of /proc/<pid>/stat, after the command name). */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}
const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const PID_NAMESPACE = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]!;

/** The labels a process with this pid and start time on this machine puts on its containers. */
function ownerLabels(pid: number, start: string, boot = BOOT): Record<string, string> {
  return {
    'arena.owner.host': os.hostname(),
    'arena.owner.pid': String(pid),
    'arena.owner.start': start,
    'arena.owner.boot': boot,
    'arena.owner.pidns': PID_NAMESPACE,
  };
}

/** A sandbox-labelled container created just now (a fresh one: the age rule alone would keep it). */
async function container(name: string, owner: Record<string, string>, started: boolean): Promise<string> {
  const [key, value] = TEST_LABEL.split('=') as [string, string];
  const created = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['sleep', 'infinity'],
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', AutoRemove: false },
    Labels: {
      'arena.sandbox': '1',
      'arena.created': String(Date.now()),
      'arena.owner': `test-${name}`,
      [key]: value,
      'arena.test.case': name,
      ...owner,
    },
  });
  if (started) await created.start();
  return created.id;
}

/** The test's containers as the engine lists them (`docker ps -a --filter label=…`), by case name. */
function listed(): string[] {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--filter', `label=${TEST_LABEL}`, '--format', '{{.Label "arena.test.case"}}'],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean).sort();
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

/** A process started and killed with SIGKILL: its pid and start time, as it would have labelled its containers. */
async function deadProcess(): Promise<{ pid: number; start: string }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const pid = child.pid!;
  const start = startTicks(pid);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return { pid, start };
}

async function removeTestContainers(): Promise<void> {
  const left = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  await Promise.all(
    left.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

const runners: DockerRunner[] = [];
beforeAll(async () => {
  await docker.getImage(IMAGE).inspect();
});
afterEach(removeTestContainers);
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

describe('containers of a dead arena process', () => {
  it('are removed by the next runner that starts; those of live processes and of other machines are kept', async () => {
    // The current process runs a runner with warm containers: they stay.
    const live = new DockerRunner({ poolSize: 1 });
    runners.push(live);
    expect(await live.start()).toBe(true);
    await until(() => live.describeHosts()[0]!.idle === 1);
    expect(live.describeHosts()[0]!.idle).toBe(1);

    const dead = await deadProcess();
    await container('dead-running', ownerLabels(dead.pid, dead.start), true);
    await container('dead-created', ownerLabels(dead.pid, dead.start), false);
    // The pid is alive but is another process than the one that labelled the container (a reused pid).
    await container('reused-pid', ownerLabels(process.pid, String(Number(startTicks(process.pid)) - 1)), true);
    await container('live-process', ownerLabels(process.pid, startTicks(process.pid)), true);
    // Another machine (another kernel boot): its pids mean nothing here, so only the age rule applies.
    await container('other-machine', ownerLabels(dead.pid, dead.start, 'another-boot-id'), true);
    expect(listed()).toEqual(['dead-created', 'dead-running', 'live-process', 'other-machine', 'reused-pid']);

    const next = new DockerRunner({ poolSize: 0 });
    runners.push(next);
    expect(await next.start()).toBe(true);
    await until(() => listed().length === 2);
    expect(listed()).toEqual(['live-process', 'other-machine']);
    const warm = await docker.listContainers({ all: true, filters: { label: [`arena.owner=${live.owner}`] } });
    expect(warm.length).toBeGreaterThanOrEqual(1);
  });

  it("are removed by a running runner's periodic sweep", async () => {
    const runner = new DockerRunner({ poolSize: 0, sweepEveryMs: 300 });
    runners.push(runner);
    expect(await runner.start()).toBe(true);
    const dead = await deadProcess();
    await container('dead-later', ownerLabels(dead.pid, dead.start), true);
    await container('live-later', ownerLabels(process.pid, startTicks(process.pid)), true);
    await until(() => listed().length === 1);
    expect(listed()).toEqual(['live-later']);
  });
});
