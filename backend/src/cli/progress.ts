/** A running count on stderr: rewritten in place on a terminal, a line every 100,000 otherwise. */
export function progress(label: string, done: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done.toLocaleString('en')}`);
  else if (done % 100_000 === 0) process.stderr.write(`${label}: ${done}\n`);
}
