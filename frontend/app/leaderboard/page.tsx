'use client';
import type { LeaderboardQuery, LeaderboardResponse, MatrixResponse } from '@arena/contracts';
import { useEffect, useState } from 'react';
import { api, backendUrl, queryString } from '../../lib/api';
import { RowLabel } from '../../components/RowLabel';
import { niceTicks, rowLayout, useWidth } from '../../lib/use-width';
import { TableScroll } from '../../components/TableScroll';
import { ExecutionCoefficients, IntegrityReport } from './execution-coefficients';
import { StyleCoefficients } from './style-coefficients';

/**
 * Ratings with their 95% intervals. The axis is drawn around the ratings, not the widest interval: with few
 * votes an interval can span thousands of points, and would squeeze every rating into one spot. Intervals
 * that leave the axis end in an arrow.
 */
function RatingChart({ board }: { board: LeaderboardResponse }) {
  const [box, width] = useWidth<HTMLDivElement>(640);
  const rows = board.rows;
  if (rows.length === 0) return null;
  const ratings = rows.map((r) => r.rating);
  const [lo, hi] = [Math.min(...ratings), Math.max(...ratings)];
  const pad = Math.max(100, (hi - lo) * 0.25);
  const min = Math.max(Math.min(...rows.map((r) => r.ciLow)) - 10, lo - pad);
  const max = Math.min(Math.max(...rows.map((r) => r.ciHigh)) + 10, hi + pad);
  const layout = rowLayout(width, rows.length, 190);
  const { left, height, plotHeight } = layout;
  const right = width - 24;
  const x = (v: number): number => left + ((Math.min(max, Math.max(min, v)) - min) / (max - min)) * (right - left);
  const ticks = niceTicks(min, max, width < 500 ? 4 : 6);
  return (
    <div ref={box} className="chart-box">
      <svg
        className="chart"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="ratings with 95% intervals"
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={0} y2={plotHeight} className="grid" />
            <text x={x(t)} y={plotHeight + 18} className="tick" textAnchor="middle">
              {t.toFixed(0)}
            </text>
          </g>
        ))}
        {rows.map((r, i) => (
          <g key={r.model} transform={`translate(0, ${layout.rowY(i)})`}>
            <RowLabel layout={layout} width={width} text={r.name} />
            <line x1={x(r.ciLow)} x2={x(r.ciHigh)} y1={0} y2={0} className={r.provisional ? 'ci provisional' : 'ci'} />
            {r.ciLow < min ? (
              <path d={`M ${x(min) + 6} -5 L ${x(min)} 0 L ${x(min) + 6} 5`} className="ci-arrow" />
            ) : null}
            {r.ciHigh > max ? (
              <path d={`M ${x(max) - 6} -5 L ${x(max)} 0 L ${x(max) - 6} 5`} className="ci-arrow" />
            ) : null}
            <circle cx={x(r.rating)} cy={0} r={5} className="point">
              <title>{`${r.name}: ${r.rating.toFixed(1)} [${r.ciLow.toFixed(1)}, ${r.ciHigh.toFixed(1)}]${r.provisional ? ' (provisional)' : ''}`}</title>
            </circle>
          </g>
        ))}
      </svg>
    </div>
  );
}

function Heatmap({ matrix, names }: { matrix: MatrixResponse; names: Map<string, string> }) {
  const n = matrix.models.length;
  if (n === 0) return null;
  const cell = Math.max(22, Math.min(48, Math.floor(560 / n)));
  const left = 170;
  const top = 120;
  // Text on a strong cell takes the colour that reads on it (dark on green, white on red); on a faint one,
  // the page's own text colour, since the cell is nearly the page's background.
  const ink = (v: number): string => (Math.abs(v - 0.5) * 2 < 0.7 ? 'var(--text)' : v >= 0.5 ? '#10161f' : '#ffffff');
  const color = (v: number | null): string => {
    if (v === null) return 'var(--panel-2)';
    const hue = v >= 0.5 ? 160 : 0;
    const strength = Math.abs(v - 0.5) * 2;
    return `hsla(${hue}, 65%, ${55 - strength * 15}%, ${0.15 + strength * 0.85})`;
  };
  const label = (m: string): string => {
    const name = names.get(m) ?? m;
    return name.length > 22 ? `${name.slice(0, 21)}…` : name;
  };
  return (
    <svg
      className="heatmap"
      width={left + n * cell + 110}
      height={top + n * cell + 10}
      viewBox={`0 0 ${left + n * cell + 110} ${top + n * cell + 10}`}
      role="img"
      aria-label="pairwise win rates"
    >
      {matrix.models.map((m, j) => (
        <text key={m} className="label" transform={`translate(${left + j * cell + cell / 2}, ${top - 8}) rotate(-45)`}>
          {label(m)}
        </text>
      ))}
      {matrix.models.map((row, i) => (
        <g key={row}>
          <text x={left - 8} y={top + i * cell + cell / 2 + 4} textAnchor="end" className="label">
            {label(row)}
          </text>
          {matrix.values[i]!.map((v, j) => (
            <g key={j}>
              <rect
                x={left + j * cell}
                y={top + i * cell}
                width={cell - 2}
                height={cell - 2}
                rx={3}
                style={{ fill: color(v) }}
              >
                <title>
                  {v === null
                    ? 'no decided battles'
                    : `${label(row)} beat ${label(matrix.models[j]!)} in ${(v * 100).toFixed(1)}% of decided battles`}
                </title>
              </rect>
              {v !== null && cell >= 30 ? (
                <text
                  x={left + j * cell + cell / 2 - 1}
                  y={top + i * cell + cell / 2 + 4}
                  textAnchor="middle"
                  className="cell"
                  style={{ fill: ink(v) }}
                >
                  {Math.round(v * 100)}
                </text>
              ) : null}
            </g>
          ))}
        </g>
      ))}
    </svg>
  );
}

const ANY = '';
const plural = (n: number, word: string): string => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;

export default function LeaderboardPage() {
  const [query, setQuery] = useState<LeaderboardQuery>({});
  const [board, setBoard] = useState<LeaderboardResponse>();
  const [matrix, setMatrix] = useState<MatrixResponse>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let stop = false;
    const load = async (): Promise<void> => {
      try {
        const [b, m] = await Promise.all([api.leaderboard(query), api.matrix(query, 'winrate')]);
        if (stop) return;
        setBoard(b);
        setMatrix(m);
        setError(undefined);
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [query]);

  const select = (key: keyof LeaderboardQuery, label: string, options: string[]) => (
    <label className="filter">
      <span className="muted">{label}</span>
      <select
        data-testid={`filter-${key}`}
        value={query[key] ?? ANY}
        onChange={(e) => setQuery((q) => ({ ...q, [key]: e.target.value || undefined }))}
      >
        <option value={ANY}>all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
  const names = new Map(board?.rows.map((r) => [r.model, r.name]) ?? []);
  const removed = board ? Object.values(board.hygiene.removed).reduce((s, v) => s + v, 0) : 0;

  return (
    <div className="page leaderboard">
      <div className="lb-head">
        <div>
          <h1 className="page-title">Leaderboard</h1>
          <p className="muted">
            Bradley-Terry ratings from human votes (Elo scale, mean 1000) with 95%{' '}
            {board?.interval === 'sandwich' ? 'sandwich' : 'bootstrap'} intervals
            {query.style === 'on' ? ', style-controlled as in FastChat' : ''}
            {query.control === 'execution' ? ', execution-controlled' : ''}. Rank is 1 + the number of models that are
            better with confidence.
          </p>
        </div>
        <a
          className="download"
          href={`${backendUrl()}/api/leaderboard/battles.jsonl${queryString({ ...query })}`}
          data-testid="download-battles"
        >
          Download the battles (JSONL)
        </a>
      </div>
      <div className="filters">
        {select('category', 'Category', board?.facets.categories ?? [])}
        {select('language', 'Language', board?.facets.languages ?? [])}
        {select('environment', 'Environment', board?.facets.environments ?? [])}
        <label className="filter">
          <span className="muted">Execution</span>
          <select
            data-testid="filter-bothRan"
            value={query.bothRan ?? ANY}
            onChange={(e) =>
              setQuery((q) => ({ ...q, bothRan: (e.target.value || undefined) as LeaderboardQuery['bothRan'] }))
            }
          >
            <option value={ANY}>all battles</option>
            <option value="true">both sides ran successfully</option>
            <option value="false">not both ran</option>
          </select>
        </label>
        <label className="filter">
          <span className="muted">Voting sessions</span>
          <select
            data-testid="filter-sessions"
            value={query.sessions ?? ANY}
            onChange={(e) =>
              setQuery((q) => ({ ...q, sessions: (e.target.value || undefined) as LeaderboardQuery['sessions'] }))
            }
          >
            <option value={ANY}>with session votes</option>
            <option value="exclude">without session votes</option>
            <option value="only">session votes only</option>
          </select>
        </label>
        <label className="filter">
          <span className="muted">Turns</span>
          <select
            data-testid="filter-turns"
            value={query.turns ?? ANY}
            onChange={(e) =>
              setQuery((q) => ({ ...q, turns: (e.target.value || undefined) as LeaderboardQuery['turns'] }))
            }
          >
            <option value={ANY}>all conversations</option>
            <option value="single">single-turn</option>
            <option value="multi">with follow-ups</option>
          </select>
        </label>
        <div className="filter">
          <span className="muted">Style control</span>
          <label className="check-field">
            <input
              type="checkbox"
              data-testid="style-toggle"
              checked={query.style === 'on'}
              onChange={(e) => setQuery((q) => ({ ...q, style: e.target.checked ? 'on' : undefined }))}
            />
            <span>Discount length and markdown</span>
          </label>
        </div>
        <div className="filter">
          <span className="muted">Execution control</span>
          <label className="check-field">
            <input
              type="checkbox"
              data-testid="execution-toggle"
              checked={query.control === 'execution'}
              onChange={(e) => setQuery((q) => ({ ...q, control: e.target.checked ? 'execution' : undefined }))}
            />
            <span>Discount whether the code ran</span>
          </label>
        </div>
        <div className="filter">
          <span className="muted">Vote integrity</span>
          <label className="check-field">
            <input
              type="checkbox"
              data-testid="anomaly-toggle"
              checked={query.anomaly === 'on'}
              onChange={(e) => setQuery((q) => ({ ...q, anomaly: e.target.checked ? 'on' : undefined }))}
            />
            <span>Drop anomalous voters</span>
          </label>
          <label className="check-field">
            <input
              type="checkbox"
              data-testid="dedup-toggle"
              checked={query.dedup === 'on'}
              onChange={(e) => setQuery((q) => ({ ...q, dedup: e.target.checked ? 'on' : undefined }))}
            />
            <span>Down-sample frequent prompts</span>
          </label>
        </div>
      </div>
      <p className="muted filter-note" data-testid="language-note">
        The language filter keeps battles where either side wrote in that language.
      </p>
      {error ? <div className="error banner">{error}</div> : null}
      {board ? (
        <>
          <div className="muted stats" data-testid="lb-stats">
            {plural(board.battles, 'battle')} · {plural(board.hygiene.input, 'vote')}, {removed} removed by the cleaning
            rules (not anonymous {board.hygiene.removed.notAnonymous}, identity revealed{' '}
            {board.hygiene.removed.identityRevealed}, over the daily cap {board.hygiene.removed.voterDailyCap},
            duplicate prompts {board.hygiene.removed.duplicatePrompt}) · updated{' '}
            {new Date(board.updatedAt).toLocaleTimeString()}
          </div>
          <IntegrityReport board={board} />
          {board.disconnected ? (
            <div className="demo-note">
              Some models were never compared with each other: ratings across these groups are not comparable.
            </div>
          ) : null}
          {board.rows.length === 0 ? (
            <div className="muted empty">No votes yet. Vote in a few battles and the models show up here.</div>
          ) : (
            <>
              <TableScroll label="Leaderboard">
                <table className="lb-table" data-testid="leaderboard-table">
                  <thead>
                    <tr>
                      <th>Rank (UB)</th>
                      <th>Model</th>
                      <th>Rating</th>
                      <th>95% interval</th>
                      <th>Battles</th>
                      <th>Win rate</th>
                      <th title="online Elo, K = 4, in vote order">Online Elo</th>
                    </tr>
                  </thead>
                  <tbody>
                    {board.rows.map((r) => (
                      <tr
                        key={r.model}
                        data-testid="leaderboard-row"
                        className={r.provisional ? 'provisional-row' : undefined}
                      >
                        <td className="num">{r.rank}</td>
                        <td>
                          <a href={`/model/?id=${encodeURIComponent(r.model)}`} data-testid="model-link">
                            {r.name}
                          </a>
                          {r.provisional ? (
                            <span
                              className="pill provisional-pill"
                              data-testid="provisional"
                              title={`fewer than ${board.minBattles} battles: the rating can still move a lot`}
                            >
                              provisional
                            </span>
                          ) : null}
                        </td>
                        <td className="num">{r.rating.toFixed(0)}</td>
                        <td className="num muted" title={`${r.ciLow.toFixed(0)} – ${r.ciHigh.toFixed(0)}`}>
                          {r.provisional ? 'too few votes' : `${r.ciLow.toFixed(0)} – ${r.ciHigh.toFixed(0)}`}
                        </td>
                        <td className="num">{r.battles}</td>
                        <td className="num">{r.winRate === null ? '–' : `${(r.winRate * 100).toFixed(1)}%`}</td>
                        <td className="num muted">{r.elo.toFixed(0)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
              {board.rows.some((r) => r.provisional) ? (
                <p className="muted provisional-note">
                  <span className="pill provisional-pill">provisional</span> fewer than {board.minBattles} battles: the
                  rating can still move a lot, and its interval is too wide to mean much yet.
                </p>
              ) : null}
              <StyleCoefficients board={board} />
              <ExecutionCoefficients board={board} />
              <div className="lb-charts">
                <section>
                  <h2>Ratings with 95% intervals</h2>
                  <RatingChart board={board} />
                </section>
                <section>
                  <h2>Win rate of row over column (ties excluded)</h2>
                  {matrix ? <Heatmap matrix={matrix} names={names} /> : null}
                </section>
              </div>
            </>
          )}
        </>
      ) : (
        <div className="muted">Loading…</div>
      )}
    </div>
  );
}
