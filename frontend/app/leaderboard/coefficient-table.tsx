import { TableScroll } from '../../components/TableScroll';
import css from './style-coefficients.module.css';

/**
 * A contextual board's coefficients (style or execution) as a table: each row's coefficient, its 95% interval
 * and the odds multiplier e^β it means.
 */
export function CoefficientTable<K extends string>({
  label,
  heading,
  oddsTitle,
  rows,
  coefficients,
  intervals,
  testId,
}: {
  /** The scroll region's accessible name. */
  label: string;
  /** The first column's heading. */
  heading: string;
  /** What the odds column means, as its tooltip. */
  oddsTitle: string;
  rows: { key: K; label: string }[];
  coefficients: Record<K, number>;
  intervals: Record<K, { low: number; high: number }>;
  /** Each row's test id is `${testId}-${key}`. */
  testId: string;
}) {
  return (
    <TableScroll label={label}>
      <table className={`lb-table ${css.table}`}>
        <thead>
          <tr>
            <th>{heading}</th>
            <th>Coefficient</th>
            <th>95% interval</th>
            <th title={oddsTitle}>Odds ×</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ key, label: rowLabel }) => (
            <tr key={key} data-testid={`${testId}-${key}`}>
              <td>{rowLabel}</td>
              <td className="num">{coefficients[key].toFixed(3)}</td>
              <td className="num muted">
                {intervals[key].low.toFixed(3)} – {intervals[key].high.toFixed(3)}
              </td>
              <td className="num">{Math.exp(coefficients[key]).toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
