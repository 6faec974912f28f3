/** A running count on stderr: rewritten in place on a terminal, a line every 100,000 otherwise. */
export function progress(label: string, done: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done.toLocaleString('en')}`);
  else if (done % 100_000 === 0) process.stderr.write(`${label}: ${done}\n`);
}

/**
 * A progress bar with the time elapsed and an ETA on stderr, for work of known size: redrawn in place on a
 * terminal, a line per tenth (prefixed with `label`) otherwise, so that logs stay short.
 */
export function progressBar(label: string): (done: number, total: number) => void {
  const started = performance.now();
  let lastLine = -1;
  return (done, total) => {
    const share = total ? done / total : 1;
    const elapsed = (performance.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    const time = (s: number): string =>
      Number.isFinite(s) ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : '?';
    const text = `${done}/${total} ${(share * 100).toFixed(0)}% · ${time(elapsed)} elapsed · ETA ${time(eta)}`;
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}   `);
      if (done === total) process.stderr.write('\n');
    } else {
      const decile = Math.floor(share * 10);
      if (decile !== lastLine) {
        lastLine = decile;
        process.stderr.write(`${label}: ${text}\n`);
      }
    }
  };
}
