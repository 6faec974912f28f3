'use client';
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';

/**
 * The width of an element, kept up to date: charts draw at the size they are shown, so their text stays at
 * its CSS size on a wide screen and on a phone instead of scaling with a fixed viewBox.
 */
export function useWidth<T extends HTMLElement>(fallback: number): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(Math.round(el.clientWidth) || fallback);
    const observer = new ResizeObserver((entries) => {
      const next = Math.round(entries[0]?.contentRect.width ?? 0);
      if (next > 0) setWidth(next);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [fallback]);
  return [ref, width];
}

/** Round tick values: steps of 1, 2, 2.5 or 5 times a power of ten, about `count` of them across [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const raw = (max - min) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}

/** A label cut to what fits in `px` pixels at about 7 px a character. */
export function fitLabel(text: string, px: number): string {
  const chars = Math.max(4, Math.floor(px / 7));
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

export interface RowLayout {
  narrow: boolean;
  /** Where the plot starts. */
  left: number;
  rowHeight: number;
  /** The rows' height, above the axis. */
  plotHeight: number;
  height: number;
  /** The y of row i's bar. */
  rowY: (i: number) => number;
}

/** A row chart's geometry: labels left of the bars in a wide box, above them in a narrow one (a phone). */
export function rowLayout(width: number, rows: number, wideLeft: number): RowLayout {
  const narrow = width < 520;
  const rowHeight = narrow ? 44 : 28;
  return {
    narrow,
    left: narrow ? 12 : Math.min(wideLeft, Math.round(width * 0.4)),
    rowHeight,
    plotHeight: rows * rowHeight,
    height: rows * rowHeight + 30,
    rowY: (i) => (narrow ? i * rowHeight + 30 : i * rowHeight + rowHeight / 2),
  };
}
