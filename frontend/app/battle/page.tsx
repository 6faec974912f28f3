'use client';
import { useSearchParams } from 'next/navigation';
import { Suspense } from 'react';
import { BattleView } from '../../components/BattleView';
import { useWatchedBattle } from '../../lib/use-battle';

function Spectate() {
  const id = useSearchParams().get('id') ?? undefined;
  const store = useWatchedBattle(id);
  if (!id) return <div className="muted">No battle given.</div>;
  if (store?.error) return <div className="error banner">{store.error}</div>;
  const snapshot = store?.state;
  if (!snapshot) return <div className="muted">Connecting…</div>;
  return (
    <>
      <div className="spectator-note" data-testid="spectator-note">
        You are watching live. {snapshot.status === 'revealed' ? '' : 'The models are revealed after the vote.'}
      </div>
      <BattleView snapshot={snapshot} />
    </>
  );
}

export default function BattlePage() {
  return (
    <div className="page">
      <Suspense fallback={<div className="muted">Loading…</div>}>
        <Spectate />
      </Suspense>
    </div>
  );
}
