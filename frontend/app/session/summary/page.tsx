'use client';
import type { SessionSummary, Winner } from '@arena/contracts';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState } from 'react';
import { Problem } from '../../../components/Problem';
import { TallyChart } from '../../../components/TallyChart';
import { api } from '../../../lib/api';
import { errorCodeOf, errorMessageOf } from '../../../lib/errors';
import { TableScroll } from '../../../components/TableScroll';

const AWAY = [
  { href: '/session/', label: 'Host or join a session' },
  { href: '/leaderboard/', label: 'See the leaderboard' },
];

const VERDICT: Record<Winner, string> = {
  model_a: 'A is better',
  model_b: 'B is better',
  tie: 'a tie',
  'tie (bothbad)': 'both are bad',
};

const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Standard competition ranking: models with the same score share a rank (1, 1, 3). */
function sharedRanks(scores: number[]): number[] {
  return scores.map((score) => 1 + scores.filter((other) => other > score + 1e-9).length);
}

function Summary() {
  const id = useSearchParams().get('id') ?? undefined;
  const [summary, setSummary] = useState<SessionSummary>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!id) return;
    api.sessionSummary(id).then(setSummary, setError);
  }, [id]);
  if (!id) return <Problem title="No session given" links={AWAY} />;
  if (error) {
    const code = errorCodeOf(error);
    return code === 'not_found' || code === 'invalid_input' ? (
      <Problem title="There is no session at this address" links={AWAY}>
        <p className="muted">The link may be incomplete, or the session was never started on this arena.</p>
      </Problem>
    ) : (
      <Problem title="This summary cannot be shown right now" links={AWAY}>
        <p className="muted">{errorMessageOf(error)}</p>
      </Problem>
    );
  }
  if (!summary) return <div className="muted">Loading…</div>;
  const ranks = sharedRanks(summary.leaderboard.map((row) => row.score));
  return (
    <div data-testid="session-summary">
      <h1 className="page-title">{summary.title}</h1>
      <div className="muted">
        {new Date(summary.createdAt).toLocaleString()} · {count(summary.participants, 'participant')} ·{' '}
        {count(summary.battles.length, 'battle')}
      </div>
      <h2>Session leaderboard</h2>
      {summary.leaderboard.length === 0 ? (
        <div className="muted">No battle has been revealed yet.</div>
      ) : (
        <TableScroll label="Session leaderboard">
          <table className="lb-table" data-testid="session-board">
            <thead>
              <tr>
                <th>Rank</th>
                <th>Model</th>
                <th>Score</th>
                <th>Wins</th>
                <th>Losses</th>
                <th>Ties</th>
                <th>Votes</th>
              </tr>
            </thead>
            <tbody>
              {summary.leaderboard.map((row, i) => (
                <tr key={row.model.id}>
                  <td className="num">{ranks[i]}</td>
                  <td className="model-cell">{row.model.name}</td>
                  <td className="num">{(row.score * 100).toFixed(0)}%</td>
                  <td className="num">{row.wins}</td>
                  <td className="num">{row.losses}</td>
                  <td className="num">{row.ties}</td>
                  <td className="num">{row.votes}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <p className="muted">
        Score: wins plus half the ties, over the votes cast in battles the model took part in. Models with the same
        score share a rank.
      </p>
      <h2>Battles</h2>
      <ol className="summary-battles">
        {summary.battles.map((b) => (
          <li key={b.battleId} data-testid="summary-battle">
            <div className="prompt-text">{b.prompt}</div>
            <div className="muted">
              {b.models ? (
                <>
                  A: <strong>{b.models.a.name}</strong> · B: <strong>{b.models.b.name}</strong>
                  {b.winner ? ` · the room said: ${VERDICT[b.winner]}` : ' · no votes'}
                </>
              ) : (
                b.status
              )}
            </div>
            <TallyChart tally={b.tally} />
          </li>
        ))}
      </ol>
    </div>
  );
}

export default function SummaryPage() {
  return (
    <div className="page">
      <Suspense fallback={<div className="muted">Loading…</div>}>
        <Summary />
      </Suspense>
    </div>
  );
}
