import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BattleRegistry } from './battle-registry.js';
import { LiveBattle } from './live-battle.js';

const battle = (id: string): LiveBattle =>
  new LiveBattle(
    id,
    new Date(),
    'voter',
    { a: { id: 'x', name: 'X' }, b: { id: 'y', name: 'Y' } },
    undefined,
    'prompt',
  );

describe('BattleRegistry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('forgets a retired battle after its grace period and tells the listeners', () => {
    const registry = new BattleRegistry();
    const evicted: string[] = [];
    registry.onEvict((id) => evicted.push(id));
    registry.add(battle('b1'));
    registry.retire('b1', 1_000);
    vi.advanceTimersByTime(999);
    expect(registry.get('b1')).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(registry.get('b1')).toBeUndefined();
    expect(evicted).toEqual(['b1']);
  });

  it("lets a later retire replace the earlier schedule (a vote shortens an unvoted battle's stay)", () => {
    const registry = new BattleRegistry();
    registry.add(battle('b2'));
    registry.retire('b2', 30_000);
    registry.retire('b2', 500);
    vi.advanceTimersByTime(500);
    expect(registry.all()).toEqual([]);
  });
});
