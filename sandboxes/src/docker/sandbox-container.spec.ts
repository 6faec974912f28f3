import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { isOrphan, reuseProblem, SANDBOX_LABEL, sandboxContainerSpec, SANDBOX_USER } from './sandbox-container.js';

describe('a sandbox container', () => {
  it('gets the limits of the run, memory+swap equal to memory, and the defaults for the rest', () => {
    const spec = sandboxContainerSpec('img:1', 'owner-1', {}, 96, 16);
    expect(spec.Image).toBe('img:1');
    expect(spec.User).toBe(SANDBOX_USER);
    expect(spec.Labels).toMatchObject({ [SANDBOX_LABEL]: '1', 'arena.owner': 'owner-1' });
    expect(Number(spec.Labels?.['arena.created'])).toBeGreaterThan(Date.now() - 60_000);
    const host = spec.HostConfig ?? {};
    expect(host).toMatchObject({
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Memory: 96 * 1024 * 1024,
      MemorySwap: 96 * 1024 * 1024,
      PidsLimit: 16,
      NanoCpus: 1e9,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
    });
    expect(host.Tmpfs?.['/sandbox']).toContain('size=64m');
    expect(host.Ulimits).toEqual([
      { Name: 'nofile', Soft: 256, Hard: 256 },
      { Name: 'fsize', Soft: 32 * 1024 * 1024, Hard: 32 * 1024 * 1024 },
      { Name: 'core', Soft: 0, Hard: 0 },
    ]);
  });

  it("takes the runner's CPU, work dir, file size and open file settings", () => {
    const spec = sandboxContainerSpec('img', 'o', { cpus: 0.5, workDirMb: 8, fileSizeMb: 1, openFiles: 10 }, 64, 8);
    expect(spec.HostConfig?.NanoCpus).toBe(5e8);
    expect(spec.HostConfig?.Tmpfs?.['/sandbox']).toContain('size=8m');
    expect(spec.HostConfig?.Ulimits?.slice(0, 2)).toEqual([
      { Name: 'nofile', Soft: 10, Hard: 10 },
      { Name: 'fsize', Soft: 1024 * 1024, Hard: 1024 * 1024 },
    ]);
  });
});

describe('a reusable sandbox container', () => {
  /** What the engine says of a container created from a spec (the parts `reuseProblem` reads). */
  const inspected = (spec: Docker.ContainerCreateOptions, mounts: { Destination: string }[] = []) =>
    ({
      Config: { User: spec.User },
      HostConfig: spec.HostConfig,
      Mounts: mounts,
    }) as unknown as Docker.ContainerInspectInfo;

  it('runs its own processes as root with only setuid/setgid, from /; the rest of the hardening is unchanged', () => {
    const plain = sandboxContainerSpec('img', 'o', {}, 64, 8);
    const spec = sandboxContainerSpec('img', 'o', {}, 64, 8, true);
    expect(spec.User).toBe('0:0');
    expect(spec.WorkingDir).toBe('/');
    expect(spec.HostConfig?.CapAdd).toEqual(['SETUID', 'SETGID']);
    const { CapAdd, ...host } = spec.HostConfig ?? {};
    expect(CapAdd).toBeDefined();
    expect(host).toEqual(plain.HostConfig);
    expect(plain.HostConfig?.CapAdd).toBeUndefined();
  });

  it('may be reused only as created for reuse: read-only root, only the tmpfs mounts the reset empties', () => {
    const spec = sandboxContainerSpec('img', 'o', {}, 64, 8, true);
    expect(reuseProblem(inspected(spec))).toBeUndefined();
    expect(reuseProblem(inspected(sandboxContainerSpec('img', 'o', {}, 64, 8)))).toMatch(/not a reusable/);
    const host = spec.HostConfig ?? {};
    const changed = (change: Partial<Docker.HostConfig>) => inspected({ ...spec, HostConfig: { ...host, ...change } });
    expect(reuseProblem(changed({ ReadonlyRootfs: false }))).toMatch(/root file system/);
    expect(reuseProblem(inspected(spec, [{ Destination: '/data' }]))).toMatch(/mounts: \/data/);
    expect(reuseProblem(changed({ Binds: ['/x:/y'] }))).toMatch(/binds/);
    expect(reuseProblem(changed({ Tmpfs: { ...host.Tmpfs, '/var/tmp': 'rw' } }))).toMatch(/\/var\/tmp/);
    expect(reuseProblem(changed({ IpcMode: 'shareable' }))).toMatch(/IPC/);
    expect(reuseProblem(changed({ CapAdd: ['SETUID', 'SETGID', 'SYS_ADMIN'] }))).toMatch(/capabilities/);
    expect(reuseProblem(changed({ CapDrop: [] }))).toMatch(/capabilities/);
    expect(reuseProblem(changed({ SecurityOpt: [] }))).toMatch(/no-new-privileges/);
    expect(reuseProblem(changed({ Privileged: true }))).toMatch(/privileged/);
  });
});

describe('orphaned sandbox containers', () => {
  const now = 10_000_000_000;
  const maxIdleMs = 30 * 60_000;
  const created = (ago: number) => ({ 'arena.created': String(now - ago) });

  it('a running one is an orphan only past twice the warm age', () => {
    expect(isOrphan({ State: 'running', Labels: created(2 * maxIdleMs + 1) }, now, maxIdleMs)).toBe(true);
    expect(isOrphan({ State: 'running', Labels: created(2 * maxIdleMs - 1) }, now, maxIdleMs)).toBe(false);
  });

  it('a stopped one is an orphan past five minutes (another runner may be starting or removing it)', () => {
    expect(isOrphan({ State: 'created', Labels: created(5 * 60_000 + 1) }, now, maxIdleMs)).toBe(true);
    expect(isOrphan({ State: 'exited', Labels: created(60_000) }, now, maxIdleMs)).toBe(false);
  });

  it('a fresh one is an orphan at once when its owner process is dead, never when it is alive', () => {
    const fresh = created(1_000);
    expect(isOrphan({ State: 'running', Labels: fresh }, now, maxIdleMs, () => 'dead')).toBe(true);
    expect(isOrphan({ State: 'created', Labels: fresh }, now, maxIdleMs, () => 'dead')).toBe(true);
    expect(isOrphan({ State: 'running', Labels: fresh }, now, maxIdleMs, () => 'alive')).toBe(false);
    expect(isOrphan({ State: 'running', Labels: fresh }, now, maxIdleMs, () => 'unknown')).toBe(false);
  });

  it('one without a creation label is an orphan', () => {
    expect(isOrphan({ State: 'running', Labels: {} }, now, maxIdleMs)).toBe(true);
  });
});
