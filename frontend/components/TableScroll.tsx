import type { ReactNode } from 'react';

/**
 * A wide table's own horizontal scroller (on a phone the table is wider than the screen): focusable and named,
 * so that a keyboard can scroll it and a screen reader can find it.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
