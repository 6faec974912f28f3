import type { LeaderboardResponse, StyleCoefficientsBody } from '@arena/contracts';
import { CoefficientTable } from './coefficient-table';
import css from './style-coefficients.module.css';

const FEATURES: { key: keyof StyleCoefficientsBody; label: string }[] = [
  { key: 'tokens', label: 'Answer length (tokens)' },
  { key: 'headers', label: 'Markdown headers' },
  { key: 'lists', label: 'List items' },
  { key: 'bold', label: 'Bold text' },
];

/**
 * The style coefficients of a style-controlled board (FastChat's style control), with a plain explanation:
 * each is how much more likely voters were to pick the answer with more of that feature, all else equal.
 */
export function StyleCoefficients({ board }: { board: LeaderboardResponse }) {
  const coefficients = board.styleCoefficients;
  const intervals = board.styleIntervals;
  if (!coefficients || !intervals) return null;
  return (
    <section className={css.section} data-testid="style-coefficients">
      <h2>Style coefficients</h2>
      <p className="muted">
        With style control on, the ratings are fitted together with four differences between the two answers, so a model
        gains nothing from being longer or using more markdown than its opponent. A positive coefficient means voters
        favoured answers with more of that feature: it is the change in log-odds of winning for one standard deviation
        more of the difference (code blocks are left out of the markdown counts).
      </p>
      <CoefficientTable
        label="Style coefficients"
        heading="Style feature"
        oddsTitle="the odds of winning are multiplied by this for one standard deviation more"
        rows={FEATURES}
        coefficients={coefficients}
        intervals={intervals}
        testId="style"
      />
      <p className={`muted ${css.note}`}>
        Tokens are counted with the o200k_base encoding (tiktoken); FastChat&apos;s published counts come from another
        tokenizer.
      </p>
    </section>
  );
}
