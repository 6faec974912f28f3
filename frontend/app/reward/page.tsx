'use client';
import type { AgreementResponse, AutoArenaRun } from '@arena/contracts';
import { useEffect, useState } from 'react';
import { api } from '../../lib/api';
import { RowLabel } from '../../components/RowLabel';
import { rowLayout, useWidth } from '../../lib/use-width';
import { TableScroll } from '../../components/TableScroll';

type JudgeRow = AgreementResponse['judges'][number];

const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)}%`;
const num = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A judge and what it sees: `execution judge · sees run results`, `llm judge · code only`. */
const label = (j: JudgeRow): string =>
  `${j.judge} judge · ${j.mode === 'with_execution' ? 'sees run results' : 'code only, no run results'}`;

/** Four-class accuracy of each judge and mode, with its bootstrap 95% interval. */
function AccuracyChart({ judges }: { judges: JudgeRow[] }) {
  const [box, width] = useWidth<HTMLDivElement>(720);
  const layout = rowLayout(width, judges.length, 280);
  const { left, height, plotHeight } = layout;
  const x = (v: number): number => left + v * (width - left - 30);
  return (
    <div ref={box} className="chart-box chart-limit">
      <svg
        className="chart"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="agreement with human votes"
      >
        {[0, 0.25, 0.5, 0.75, 1].map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={0} y2={plotHeight} className="grid" />
            <text x={x(t)} y={plotHeight + 18} className="tick" textAnchor="middle">
              {t * 100}%
            </text>
          </g>
        ))}
        {judges.map((j, i) => (
          <g key={label(j)} transform={`translate(0, ${layout.rowY(i)})`}>
            <RowLabel layout={layout} width={width} text={label(j)} />
            <rect
              x={x(0)}
              y={-8}
              width={x(j.fourClass.accuracy) - x(0)}
              height={16}
              rx={3}
              className={j.mode === 'with_execution' ? 'bar-exec' : 'bar-blind'}
            />
            {Number.isFinite(j.intervals.fourClassAccuracy.low) ? (
              <line
                x1={x(j.intervals.fourClassAccuracy.low)}
                x2={x(j.intervals.fourClassAccuracy.high)}
                y1={0}
                y2={0}
                className="ci"
              />
            ) : null}
            <title>{`${label(j)}: ${pct(j.fourClass.accuracy)} [${pct(j.intervals.fourClassAccuracy.low)}, ${pct(j.intervals.fourClassAccuracy.high)}]`}</title>
          </g>
        ))}
      </svg>
    </div>
  );
}

function Confusion({ judge }: { judge: JudgeRow }) {
  const { labels, matrix } = judge.fourClass.confusion;
  const max = Math.max(1, ...matrix.flat());
  return (
    <table className="confusion">
      <thead>
        <tr>
          <th>human ↓ / judge →</th>
          {labels.map((l) => (
            <th key={l}>{l}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={labels[i]}>
            <th>{labels[i]}</th>
            {row.map((v, j) => (
              <td key={j} style={{ background: `rgba(124, 92, 255, ${(v / max) * 0.45})` }}>
                {v}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One AutoCodeArena run: win rates against the baseline with 5–95% intervals, overall and per category. */
function AutoArenaRunView({ run }: { run: AutoArenaRun }) {
  const categories = Object.keys(run.byCategory);
  const [box, width] = useWidth<HTMLDivElement>(720);
  const layout = rowLayout(width, run.overall.length, 250);
  const { left, height, plotHeight } = layout;
  const x = (v: number): number => left + v * (width - left - 30);
  return (
    <div className="autoarena-run" data-testid="autoarena-run">
      <h3>
        {run.name}{' '}
        <span className="muted">
          · {run.prompts} prompts against {run.baseline}
        </span>
      </h3>
      <div ref={box} className="chart-box chart-limit">
        <svg
          className="chart"
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label="win rates"
        >
          {[0, 0.25, 0.5, 0.75, 1].map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={0} y2={plotHeight} className="grid" />
              <text x={x(t)} y={plotHeight + 18} className="tick" textAnchor="middle">
                {t * 100}%
              </text>
            </g>
          ))}
          {run.overall.map((r, i) => (
            <g key={r.model} transform={`translate(0, ${layout.rowY(i)})`}>
              <RowLabel layout={layout} width={width} text={r.model} />
              <rect x={x(0)} y={-8} width={x(r.winRate) - x(0)} height={16} rx={3} className="bar-blind" />
              <line x1={x(r.low)} x2={x(r.high)} y1={0} y2={0} className="ci" />
            </g>
          ))}
        </svg>
      </div>
      <TableScroll label={`${run.name}: win rates`}>
        <table className="lb-table">
          <thead>
            <tr>
              <th>model</th>
              <th>overall [5–95%]</th>
              {categories.map((c) => (
                <th key={c}>{c.replaceAll('_', ' ')}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {run.overall.map((r) => (
              <tr key={r.model}>
                <td>{r.model}</td>
                <td>
                  {pct(r.winRate)}{' '}
                  <span className="muted">
                    [{pct(r.low)}, {pct(r.high)}]
                  </span>
                </td>
                {categories.map((c) => (
                  <td key={c}>{pct(run.byCategory[c]?.find((x) => x.model === r.model)?.winRate)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}

export default function RewardPage() {
  const [report, setReport] = useState<AgreementResponse>();
  const [runs, setRuns] = useState<AutoArenaRun[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stop = false;
    const load = async (): Promise<void> => {
      try {
        const [r, auto] = await Promise.all([api.agreement(), api.autoarena()]);
        if (!stop) {
          setReport(r);
          setRuns(auto);
          setError(undefined);
        }
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, []);

  return (
    <div className="page reward">
      <h1 className="page-title">Judges against human votes</h1>
      <p className="muted">
        BigCodeReward agreement: every finished battle is judged in the background (LLM judges see it in both orders,
        with and without the execution results); the verdicts are compared with the votes people cast. No voter ever
        sees a verdict before voting.
      </p>
      {error ? <div className="error banner">{error}</div> : null}
      {report && report.judges.length === 0 ? (
        <p className="muted" data-testid="reward-empty">
          No judged battle has a vote yet.
        </p>
      ) : null}
      {report && report.judges.length > 0 ? (
        <>
          <h2>Four-class accuracy against the human vote</h2>
          <AccuracyChart judges={report.judges} />
          <TableScroll label="Accuracy against the human vote">
            <table className="lb-table" data-testid="reward-table">
              <thead>
                <tr>
                  <th>judge</th>
                  <th title="battles judged that have a human vote">battles</th>
                  <th>4-class accuracy [95%]</th>
                  <th>macro-F1</th>
                  <th className="symbol" title="Cohen's kappa: agreement beyond chance">
                    κ
                  </th>
                  <th>MCC</th>
                  <th>3-class accuracy</th>
                  <th>position bias</th>
                  <th title="Spearman's ρ and Kendall's τ between the judge's leaderboard and the humans'">
                    board <span className="symbol">ρ / τ</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.judges.map((j) => (
                  <tr key={label(j)} data-testid="reward-row">
                    <td>{label(j)}</td>
                    <td>{j.n}</td>
                    <td>
                      {pct(j.fourClass.accuracy)}{' '}
                      <span className="muted">
                        [{pct(j.intervals.fourClassAccuracy.low)}, {pct(j.intervals.fourClassAccuracy.high)}]
                      </span>
                    </td>
                    <td>{num(j.fourClass.macroF1)}</td>
                    <td>{num(j.fourClass.kappa)}</td>
                    <td>{num(j.fourClass.mcc)}</td>
                    <td>{pct(j.threeClass.accuracy)}</td>
                    <td>{j.positionBias.n ? `${pct(j.positionBias.rate)} of ${j.positionBias.n}` : '–'}</td>
                    <td>
                      {num(j.leaderboard.spearman)} / {num(j.leaderboard.kendall)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {report.executionDelta.length ? (
            <>
              <h2>What seeing the execution results changes</h2>
              <TableScroll label="What seeing the execution results changes">
                <table className="lb-table" data-testid="reward-delta">
                  <thead>
                    <tr>
                      <th>judge</th>
                      <th>battles</th>
                      <th>Δ 4-class accuracy</th>
                      <th>Δ 3-class accuracy</th>
                      <th>Δ macro-F1</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.executionDelta.map((d) => (
                      <tr key={d.judge}>
                        <td>{d.judge}</td>
                        <td>{d.n}</td>
                        <td>{pct(d.fourClassAccuracy)}</td>
                        <td>{pct(d.threeClassAccuracy)}</td>
                        <td>{num(d.fourClassMacroF1)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            </>
          ) : null}
          {report.judges.some((j) => j.byScreenshots.with) ? (
            <>
              <h2>With and without screenshots</h2>
              <p className="muted">
                A vision judge with the run results also sees the picture of what each side rendered, where there is
                one. Its verdicts on battles that had pictures, against those on battles that had none.
              </p>
              <TableScroll label="Agreement with and without screenshots">
                <table className="lb-table" data-testid="reward-screenshots">
                  <thead>
                    <tr>
                      <th>judge</th>
                      <th>with: battles</th>
                      <th>with: 4-class accuracy</th>
                      <th>without: battles</th>
                      <th>without: 4-class accuracy</th>
                      <th>3-class accuracy with / without</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.judges
                      .filter((j) => j.byScreenshots.with)
                      .map((j) => {
                        const { with: shown, without } = j.byScreenshots;
                        return (
                          <tr key={label(j)} data-testid="reward-screenshots-row">
                            <td>{label(j)}</td>
                            <td>{shown?.n ?? 0}</td>
                            <td>{pct(shown?.fourClass.accuracy)}</td>
                            <td>{without?.n ?? 0}</td>
                            <td>{pct(without?.fourClass.accuracy)}</td>
                            <td>
                              {pct(shown?.threeClass.accuracy)} / {pct(without?.threeClass.accuracy)}
                            </td>
                          </tr>
                        );
                      })}
                  </tbody>
                </table>
              </TableScroll>
            </>
          ) : null}
          <h2>Confusion matrices (4-class)</h2>
          <div className="confusions">
            {report.judges.map((j) => (
              <TableScroll key={label(j)} label={`Confusion matrix: ${label(j)}`}>
                <div className="muted">{label(j)}</div>
                <Confusion judge={j} />
              </TableScroll>
            ))}
          </div>
          <p className="muted">
            Left out: {count(report.leftOut.votesWithoutJudgement, 'vote')} not judged yet,{' '}
            {count(report.leftOut.judgementsWithoutVote, 'judged battle')} without a vote.
          </p>
        </>
      ) : null}
      <h2>AutoCodeArena</h2>
      <p className="muted">
        Runs of <code>arena autoarena</code> kept in the arena&apos;s AutoCodeArena folder: each model against the
        baseline on a prompt set, judged in both orders (a strong preference counts three times).
      </p>
      {runs.length === 0 ? <p className="muted">No AutoCodeArena run yet.</p> : null}
      {runs.map((run) => (
        <AutoArenaRunView key={run.name} run={run} />
      ))}
    </div>
  );
}
