import { fitLabel, type RowLayout } from '../lib/use-width';

/** A row chart's label, in a row's group: left of the bar, or above it when the chart is narrow. */
export function RowLabel({ layout, width, text }: { layout: RowLayout; width: number; text: string }) {
  return layout.narrow ? (
    <text x={layout.left} y={-13} className="label">
      {fitLabel(text, width - 24)}
    </text>
  ) : (
    <text x={layout.left - 10} y={4} textAnchor="end" className="label">
      {fitLabel(text, layout.left - 14)}
    </text>
  );
}
