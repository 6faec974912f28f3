'use client';
import { EVAL_STATUSES, type EvalFigures, type EvalModelRow, type EvalTaskSet } from '@arena/contracts';
import { useEffect, useState } from 'react';
import { api } from '../../lib/api';
import { RowLabel } from '../../components/RowLabel';
import { TableScroll } from '../../components/TableScroll';
import { rowLayout, useWidth } from '../../lib/use-width';
import styles from './eval.module.css';

const pct = (v: number | undefined): string => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null): string =>
  v === null ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
const mib = (v: number | null): string => (v === null ? '–' : `${(v / (1 << 20)).toFixed(1)} MiB`);
const words = (status: string): string => status.replaceAll('_', ' ');

const LANGUAGE_NAMES: Record<string, string> = {
  python: 'Python',
  javascript: 'JavaScript',
  typescript: 'TypeScript',
  cpp: 'C++',
  java: 'Java',
  go: 'Go',
  rust: 'Rust',
};
const languageName = (l: string): string => LANGUAGE_NAMES[l] ?? l;

/** How a model's samples ended, as a bar of the statuses and the same counts in words. */
function Statuses({ figures }: { figures: EvalFigures }) {
  const shown = EVAL_STATUSES.filter((s) => figures.statuses[s]);
  const text = shown.map((s) => `${words(s)} ${figures.statuses[s]}`).join(' · ');
  return (
    <div className={styles.statuses}>
      <div className={styles.bar} aria-hidden="true">
        {shown.map((s) => (
          <span
            key={s}
            className={styles[s]}
            style={{ flexGrow: figures.statuses[s] ?? 0 }}
            title={`${words(s)}: ${figures.statuses[s]}`}
          />
        ))}
      </div>
      <span className={styles.text}>{text || 'no samples'}</span>
    </div>
  );
}

/** pass@k (the smallest k) of each model on the set, as bars. */
function PassChart({ set, k }: { set: EvalTaskSet; k: string }) {
  const [box, width] = useWidth<HTMLDivElement>(720);
  const layout = rowLayout(width, set.models.length, 250);
  const { left, height, plotHeight } = layout;
  const x = (v: number): number => left + v * (width - left - 60);
  return (
    <div ref={box} className="chart-box chart-limit">
      <svg
        className="chart"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`pass@${k} of each model on ${set.name}`}
      >
        {[0, 0.25, 0.5, 0.75, 1].map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={0} y2={plotHeight} className="grid" />
            <text x={x(t)} y={plotHeight + 18} className="tick" textAnchor="middle">
              {t * 100}%
            </text>
          </g>
        ))}
        {set.models.map((m, i) => {
          const value = m.passAt[k] ?? 0;
          return (
            <g key={m.model} transform={`translate(0, ${layout.rowY(i)})`}>
              <RowLabel layout={layout} width={width} text={m.name} />
              <rect x={x(0)} y={-8} width={x(value) - x(0)} height={16} rx={3} className="bar-exec" />
              <text x={x(value) + 6} y={4} className="tick">
                {pct(m.passAt[k])}
              </text>
              <title>{`${m.name}: pass@${k} ${pct(m.passAt[k])}`}</title>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function ModelRow({ m, ks, languages, k }: { m: EvalModelRow; ks: number[]; languages: string[]; k: string }) {
  return (
    <tr data-testid="eval-row">
      <td>
        {m.name}
        {m.name !== m.model ? <div className={`muted ${styles.small}`}>{m.model}</div> : null}
        {m.finishedAt === null ? <div className={`muted ${styles.small}`}>run not finished</div> : null}
      </td>
      <td>{m.samples}</td>
      {ks.map((kk) => (
        <td key={kk}>{pct(m.passAt[String(kk)])}</td>
      ))}
      {languages.map((l) => (
        <td key={l}>{pct(m.byLanguage[l]?.passAt[k])}</td>
      ))}
      <td>
        <Statuses figures={m} />
      </td>
      <td>{ms(m.cpuMs)}</td>
      <td>{mib(m.peakMemoryBytes)}</td>
    </tr>
  );
}

function TaskSetView({ set }: { set: EvalTaskSet }) {
  const languages = Object.keys(set.languages).sort();
  const k = String(set.ks[0] ?? 1);
  return (
    <section className={styles.set} data-testid="eval-set" aria-labelledby={`set-${set.id}`}>
      <h2 id={`set-${set.id}`}>
        {set.name} <span className={`muted ${styles.small}`}>{set.id.slice(set.id.lastIndexOf('@'))}</span>
      </h2>
      <p className="muted">
        {set.tasks} task{set.tasks === 1 ? '' : 's'} (
        {languages.map((l) => `${languageName(l)} ${set.languages[l]}`).join(', ')}) · {set.models.length} model
        {set.models.length === 1 ? '' : 's'} · updated {new Date(set.updatedAt).toLocaleString()}
      </p>
      <PassChart set={set} k={k} />
      <TableScroll label={`${set.name}: pass@k of each model`}>
        <table className="lb-table" data-testid="eval-table">
          <thead>
            <tr>
              <th>model</th>
              <th title="samples run (tasks × samples per task)">samples</th>
              {set.ks.map((kk) => (
                <th key={kk} title={`chance that at least one of ${kk} samples passes (unbiased estimator)`}>
                  pass@{kk}
                </th>
              ))}
              {languages.map((l) => (
                <th key={l}>
                  {languageName(l)} pass@{k}
                </th>
              ))}
              <th>how the samples ended</th>
              <th title="median CPU time of the passing runs">CPU (passing)</th>
              <th title="median peak memory of the passing runs">memory (passing)</th>
            </tr>
          </thead>
          <tbody>
            {set.models.map((m) => (
              <ModelRow key={m.model} m={m} ks={set.ks} languages={languages} k={k} />
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

export default function EvalPage() {
  const [sets, setSets] = useState<EvalTaskSet[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stop = false;
    const load = async (): Promise<void> => {
      try {
        const answer = await api.evalSets();
        if (!stop) {
          setSets(answer);
          setError(undefined);
        }
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 15_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, []);

  return (
    <div className="page eval">
      <h1 className="page-title">Test-based evaluation</h1>
      <p className="muted">
        Each model writes a complete program for every task of a HumanEval-style set (HumanEval, HumanEval-X,
        MultiPL-E); the program runs with the task’s tests in the arena’s sandboxes. pass@k is the chance that at least
        one of k samples passes, by the unbiased estimator of Chen et al. (2021). Evaluate a model with{' '}
        <code>arena eval --tasks FILE --models models.yaml --store</code> (or <code>--models-from-db</code> for a model
        added by an operator) and it appears beside the others evaluated on the same set.
      </p>
      {error ? <div className="error banner">{error}</div> : null}
      {sets && sets.length === 0 ? (
        <p className="muted" data-testid="eval-empty">
          No task set has been evaluated here yet.
        </p>
      ) : null}
      {sets?.map((set) => (
        <TaskSetView key={set.id} set={set} />
      ))}
    </div>
  );
}
