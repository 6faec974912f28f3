import type { RunFigureState } from '@arena/contracts';
import { backendUrl } from '../lib/api';

/** A figure a program drew (Matplotlib), in its output where it was drawn, at most as wide as the console. */
export function RunFigure({ figure, run }: { figure: RunFigureState; run: number }) {
  const src = `${backendUrl()}${figure.url}`;
  return (
    <a href={src} target="_blank" rel="noreferrer" className="run-figure" data-testid="run-figure">
      <img
        src={src}
        alt={`Figure ${figure.index + 1} drawn by run ${run}`}
        loading="lazy"
        width={figure.width}
        height={figure.height}
        style={{
          display: 'block',
          width: '100%',
          height: 'auto',
          maxWidth: Math.min(figure.width, 640),
          margin: '0.5em 0',
          background: '#fff',
        }}
      />
    </a>
  );
}
