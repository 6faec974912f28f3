import { describe, expect, it } from 'vitest';
import { isOrphan, SANDBOX_LABEL, sandboxContainerSpec, SANDBOX_USER } from './sandbox-container.js';

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
