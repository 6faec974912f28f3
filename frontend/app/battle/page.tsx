'use client';
import { useSearchParams } from 'next/navigation';
import { Suspense } from 'react';
import { BattleView } from '../../components/BattleView';
import { OwnBattle } from '../../components/OwnBattle';
import { Problem } from '../../components/Problem';
import { useWatchedBattle } from '../../lib/use-battle';

const AWAY = [
  { href: '/watch/', label: 'Watch the live battles' },
  { href: '/', label: 'Start a battle of your own' },
];

function Spectate() {
  const id = useSearchParams().get('id') ?? undefined;
  const store = useWatchedBattle(id);
  if (!id)
    return (
      <Problem title="No battle given" links={AWAY}>
        <p className="muted">This page shows one battle; its link says which. Pick one from the live list.</p>
      </Problem>
    );
  if (store?.error) {
    const missing = store.errorCode === 'not_found' || store.errorCode === 'invalid_input';
    return missing ? (
      <Problem title="There is no battle at this address" links={AWAY}>
        <p className="muted">The link may be incomplete, or the battle is no longer kept by this arena.</p>
      </Problem>
    ) : (
      <Problem title="This battle cannot be shown right now" links={AWAY}>
        <p className="muted">{store.error}</p>
      </Problem>
    );
  }
  const snapshot = store?.state;
  if (!snapshot) return <div className="muted">Connecting…</div>;
  // Its creator, back at its address (a reload, a return, the share link on the same browser): theirs to vote on.
  if (store.yours) return <OwnBattle store={store} />;
  return (
    <>
      <h1 className="page-title">{snapshot.status === 'revealed' ? 'A revealed battle' : 'A live battle'}</h1>
      <div className="spectator-note" data-testid="spectator-note">
        {snapshot.status === 'revealed'
          ? 'The vote is in: the models are revealed.'
          : snapshot.status === 'failed'
            ? 'This battle ended without answers to compare.'
            : 'You are watching live. The models are revealed after the vote.'}
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
