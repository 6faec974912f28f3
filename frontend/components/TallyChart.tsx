'use client';
import type { Tally, Winner } from '@arena/contracts';

const BARS: { winner: Winner; label: string }[] = [
  { winner: 'model_a', label: 'A is better' },
  { winner: 'model_b', label: 'B is better' },
  { winner: 'tie', label: 'Tie' },
  { winner: 'tie (bothbad)', label: 'Both bad' },
];

/** The live tally as a bar chart: counts only, never who voted what. */
export function TallyChart({ tally, big = false }: { tally: Tally; big?: boolean }) {
  const max = Math.max(1, ...Object.values(tally.counts));
  return (
    <div className={`tally ${big ? 'tally-big' : ''}`} data-testid="tally" data-voters={tally.voters}>
      {BARS.map(({ winner, label }) => (
        <div className="tally-row" key={winner}>
          <span className="tally-label">{label}</span>
          <span className="tally-track">
            <span
              className={`tally-bar tally-${winner.replace(/\W+/g, '-')}`}
              style={{ width: `${(tally.counts[winner] / max) * 100}%` }}
            />
          </span>
          <span className="tally-count" data-testid={`tally-${winner.replace(/\W+/g, '-')}`}>
            {tally.counts[winner]}
          </span>
        </div>
      ))}
      <div className="muted">
        {tally.voters} {tally.voters === 1 ? 'vote' : 'votes'}
      </div>
    </div>
  );
}
