import type { ExecutionCoefficientsBody, LeaderboardResponse } from '@arena/contracts';
import { CoefficientTable } from './coefficient-table';
import css from './style-coefficients.module.css';

const COVARIATES: { key: keyof ExecutionCoefficientsBody; label: string }[] = [
  { key: 'code', label: 'The answer had code' },
  { key: 'ranOk', label: 'Its code ran without error' },
  { key: 'compileError', label: 'It failed to compile' },
  { key: 'runtimeError', label: 'It crashed while running' },
  { key: 'timedOut', label: 'It ran out of time' },
  { key: 'rendered', label: 'It showed a page, app or display' },
  { key: 'installs', label: 'It asked to install packages' },
];

/**
 * "How much does running code sway a vote": the execution coefficients of an execution-controlled board, in
 * plain words. Each is the change in log-odds of winning when one answer has the property and the other has
 * not, all else (the two models, and with style control their style) equal.
 */
export function ExecutionCoefficients({ board }: { board: LeaderboardResponse }) {
  const coefficients = board.executionCoefficients;
  const intervals = board.executionIntervals;
  if (!coefficients || !intervals) return null;
  const ran = Math.exp(coefficients.ranOk);
  return (
    <section className={css.section} data-testid="execution-coefficients">
      <h2>How much does running code sway a vote?</h2>
      <p className="muted">
        With execution control on, the ratings are fitted together with what happened when the arena ran each
        side&apos;s first answer, so a model gains nothing from its code running better than its opponent&apos;s: what
        is left is how voters judged the answers otherwise. Each row compares an answer that has the property with one
        that has not. Here, an answer whose code ran without error had{' '}
        <strong data-testid="ran-ok-odds">{ran.toFixed(2)}×</strong> the odds of winning of one whose code did not run
        cleanly, all else equal. An interval that does not include 0 means the effect is clear; odds × above 1 means
        voters favoured that side.
      </p>
      <CoefficientTable
        label="Execution coefficients"
        heading="When one side…"
        oddsTitle="the odds of winning are multiplied by this when one side has it and the other has not"
        rows={COVARIATES}
        coefficients={coefficients}
        intervals={intervals}
        testId="execution"
      />
      <p className={`muted ${css.note}`}>
        Each covariate is the difference between the sides (1, 0 or −1), taken from the run of each side&apos;s own
        first answer; re-runs from the page, possibly of edited code, are not counted.
      </p>
    </section>
  );
}

/** What the vote-integrity checks removed, when asked for. */
export function IntegrityReport({ board }: { board: LeaderboardResponse }) {
  const { anomaly, dedup } = board.integrity ?? {};
  if (!anomaly && !dedup) return null;
  return (
    <div className="muted stats" data-testid="integrity-report">
      {dedup ? (
        <span data-testid="dedup-report">
          Frequent prompts: {dedup.removedVotes} votes removed ({dedup.highFrequency.length} prompt
          {dedup.highFrequency.length === 1 ? '' : 's'} asked more than the 99.99th percentile of{' '}
          {dedup.cutoff.toFixed(1)} times kept {Math.floor(dedup.cutoff)} votes each).{' '}
        </span>
      ) : null}
      {anomaly ? (
        <span data-testid="anomaly-report">
          Anomalous voters: {anomaly.flagged.length} of {anomaly.votersChecked} voters with 5 or more votes flagged by
          the sequential test (α = {anomaly.alpha}), {anomaly.removedVotes} votes removed.
        </span>
      ) : null}
    </div>
  );
}
