import { describe, expect, it } from 'vitest';
import { currentProcess, ownerLiveness, ownerProcessLabels, type OwnerProcess } from './owner-process.js';

const self: OwnerProcess = { host: 'h', pid: 100, start: '5000', boot: 'boot-1', pidns: '4026531836' };
const labels = (owner: Partial<OwnerProcess>) => ownerProcessLabels({ ...self, ...owner });
const noSuchProcess = (): void => {
  throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
};

describe("a container's owner process", () => {
  it('is alive while its pid runs with the same start time', () => {
    const stat = () => ({ start: '7000', exited: false });
    expect(ownerLiveness(labels({ pid: 200, start: '7000' }), self, stat)).toBe('alive');
  });

  it('is dead when the pid is gone, belongs to a later process, or is a zombie', () => {
    expect(ownerLiveness(labels({ pid: 200, start: '7000' }), self, () => undefined, noSuchProcess)).toBe('dead');
    expect(ownerLiveness(labels({ pid: 200, start: '7000' }), self, () => ({ start: '9000', exited: false }))).toBe(
      'dead',
    );
    expect(ownerLiveness(labels({ pid: 200, start: '7000' }), self, () => ({ start: '7000', exited: true }))).toBe(
      'dead',
    );
  });

  it("is unknown on another machine or pid namespace, unnamed, or hidden from this user's /proc", () => {
    const gone = () => undefined;
    expect(ownerLiveness(labels({ boot: 'boot-2' }), self, gone, noSuchProcess)).toBe('unknown');
    expect(ownerLiveness(labels({ pidns: '4026532000' }), self, gone, noSuchProcess)).toBe('unknown');
    expect(ownerLiveness({ 'arena.owner': 'x' }, self, gone, noSuchProcess)).toBe('unknown');
    expect(ownerLiveness(labels({}), undefined, gone, noSuchProcess)).toBe('unknown');
    const notPermitted = (): void => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    };
    expect(ownerLiveness(labels({ pid: 200 }), self, gone, notPermitted)).toBe('unknown');
  });

  it('names this process, which is alive', () => {
    const me = currentProcess();
    expect(me?.pid).toBe(process.pid);
    expect(ownerLiveness(ownerProcessLabels())).toBe('alive');
  });
});
