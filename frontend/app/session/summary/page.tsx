'use client';
import type { SessionSummary } from '@arena/contracts';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState } from 'react';
import { TallyChart } from '../../../components/TallyChart';
import { api } from '../../../lib/api';

function Summary() {
  const id = useSearchParams().get('id') ?? undefined;
  const [summary, setSummary] = useState<SessionSummary>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!id) return;
    api.sessionSummary(id).then(setSummary, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [id]);
  if (!id) return <div className="muted">No session given.</div>;
  if (error) return <div className="error banner">{error}</div>;
  if (!summary) return <div className="muted">Loading…</div>;
  return (
    <div data-testid="session-summary">
      <h2>{summary.title}</h2>
      <div className="muted">
        {new Date(summary.createdAt).toLocaleString()} · {summary.participants} participants · {summary.battles.length}{' '}
        battles
      </div>
      <h3>Session leaderboard</h3>
      {summary.leaderboard.length === 0 ? (
        <div className="muted">No battle has been revealed yet.</div>
      ) : (
        <table className="board" data-testid="session-board">
          <thead>
            <tr>
              <th>#</th>
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
                <td>{i + 1}</td>
                <td>{row.model.name}</td>
                <td>{(row.score * 100).toFixed(0)}%</td>
                <td>{row.wins}</td>
                <td>{row.losses}</td>
                <td>{row.ties}</td>
                <td>{row.votes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">Score: wins plus half the ties, over the votes cast in battles the model took part in.</p>
      <h3>Battles</h3>
      <ol className="summary-battles">
        {summary.battles.map((b) => (
          <li key={b.battleId} data-testid="summary-battle">
            <div className="prompt-text">{b.prompt}</div>
            <div className="muted">
              {b.models ? (
                <>
                  A: <strong>{b.models.a.name}</strong> · B: <strong>{b.models.b.name}</strong>
                  {b.winner ? ` · room verdict: ${b.winner}` : ' · no votes'}
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
