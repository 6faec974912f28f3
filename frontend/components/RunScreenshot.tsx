import type { RunState } from '@arena/contracts';
import { backendUrl } from '../lib/api';

/**
 * The picture the arena took of what a run rendered (a JPEG of at most 1024×768: what vision judges and the
 * `bigcodereward` data set see), folded away under the run's output; in a battle's history it is what is left
 * of a live app or display once it has stopped.
 */
export function RunScreenshot({ run, number }: { run: RunState; number: number }) {
  if (!run.screenshot) return null;
  const src = `${backendUrl()}${run.screenshot}`;
  return (
    <details className="run-screenshot" data-testid="run-screenshot">
      <summary>Screenshot the arena took</summary>
      <a href={src} target="_blank" rel="noreferrer">
        <img
          src={src}
          alt={`Screenshot of what run ${number} rendered`}
          loading="lazy"
          width={1024}
          height={768}
          style={{
            display: 'block',
            width: '100%',
            height: 'auto',
            maxWidth: 512,
            border: '1px solid var(--border, #ccc)',
          }}
        />
      </a>
    </details>
  );
}
