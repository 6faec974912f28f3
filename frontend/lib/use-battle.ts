'use client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { BattleStore } from './battle-store';
import { arenaSocket } from './socket';

/** Subscribe a component to a BattleStore; re-renders on every folded frame. */
export function useStore(store: BattleStore | undefined): void {
  useSyncExternalStore(store?.subscribe ?? noopSubscribe, store?.getVersion ?? zero, zero);
}

const noopSubscribe = (): (() => void) => () => undefined;
const zero = (): number => 0;

/** Spectate a battle by id. */
export function useWatchedBattle(battleId: string | undefined): BattleStore | undefined {
  const [store, setStore] = useState<BattleStore>();
  useEffect(() => {
    if (!battleId) return;
    const next = new BattleStore(arenaSocket());
    setStore(next);
    void next.watch(battleId);
    return () => next.detach();
  }, [battleId]);
  useStore(store);
  return store;
}
