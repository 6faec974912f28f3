'use client';
import type { BattleListItem } from '@arena/contracts';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { api } from '../../lib/api';

function BattleList({ items, empty }: { items: BattleListItem[]; empty: string }) {
  if (items.length === 0) return <div className="muted empty">{empty}</div>;
  return (
    <ul className="battle-list">
      {items.map((b) => (
        <li key={b.battleId}>
          <Link href={`/battle/?id=${b.battleId}`} data-testid="live-battle">
            <span className={`dot dot-${b.status}`} />
            <span className="battle-preview">{b.promptPreview}</span>
            <span className="muted battle-meta">
              {b.status} · {b.spectators} watching · {new Date(b.createdAt).toLocaleTimeString()}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export default function WatchPage() {
  const [live, setLive] = useState<BattleListItem[]>([]);
  const [recent, setRecent] = useState<BattleListItem[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stop = false;
    const load = async (): Promise<void> => {
      try {
        const [l, r] = await Promise.all([api.battles('live'), api.battles('recent', 10)]);
        if (!stop) {
          setLive(l);
          setRecent(r);
          setError(undefined);
        }
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 2_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <div className="page">
      <h1 className="page-title">Live battles</h1>
      {error ? <div className="error banner">{error}</div> : null}
      <BattleList items={live} empty="No battle is running right now. Start one!" />
      <h2>Recent battles</h2>
      <BattleList items={recent} empty="No battles yet." />
    </div>
  );
}
