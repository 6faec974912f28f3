import type { Recipe } from './recipes.js';

/** Base64 text per argv word; Linux caps one argument at 128 KiB. */
export const ARG_CHUNK = 96 * 1024;
/** Everything passed in argv together stays well under the kernel's 2 MiB. */
export const MAX_PAYLOAD = 1_200_000;
/** A relative path inside the work dir: no `..` segment, no leading `/` or `.`. */
const FILE_NAME = /^(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,200}$/;

/**
 * The script every run executes in its container (as the unprivileged user, via `sh -c`): writes the
 * files from base64 argv words, runs the compile step with its output on stderr, prints the run's marker,
 * then replaces itself with the program, stdin from a file, CPU time capped with `ulimit -t`.
 */
export const DRIVER = String.raw`
cd /sandbox || exit 120
n=$1; shift
while [ "$n" -gt 0 ]; do
  f=$1; k=$2; shift 2
  case "$f" in */*) mkdir -p "${'$'}{f%/*}" || exit 121;; esac
  : > "$f" || exit 121
  while [ "$k" -gt 0 ]; do printf '%s' "$1" | base64 -d >> "$f" || exit 121; shift; k=$((k-1)); done
  n=$((n-1))
done
compile=$1; run=$2; cpu=$3; marker=$4
if [ -n "$compile" ]; then
  ( eval "$compile" ) </dev/null 1>&2 || exit $?
fi
printf '%s' "$marker" >&2
ulimit -S -t "$cpu" 2>/dev/null
ulimit -H -t $((cpu + 1)) 2>/dev/null
if [ -f .stdin ]; then exec < .stdin; else exec < /dev/null; fi
eval "exec $run"
`;

/** Whether a file the request brings may be written: a relative path that stays inside the work dir. */
export function isSafeFileName(name: string): boolean {
  return FILE_NAME.test(name);
}

/** Files as argv words: for each, its name, how many base64 words follow, and the words. */
export function encodeFiles(files: Record<string, string>): { words: string[]; bytes: number } {
  const entries = Object.entries(files);
  const words: string[] = [String(entries.length)];
  let bytes = 0;
  for (const [name, content] of entries) {
    const base64 = Buffer.from(content).toString('base64');
    const parts: string[] = [];
    for (let at = 0; at < base64.length; at += ARG_CHUNK) parts.push(base64.slice(at, at + ARG_CHUNK));
    words.push(name, String(parts.length), ...parts);
    bytes += base64.length + name.length;
  }
  return { words, bytes };
}

/**
 * The command a run executes in its container: the recipe's own driver when it has one (`Recipe.direct`),
 * else the shell driver with the encoded files, the compile and run commands, the CPU seconds and the marker.
 */
export function driverCommand(recipe: Recipe, marker: string, cpuSeconds: number, words: string[]): string[] {
  return recipe.direct
    ? recipe.direct(marker, cpuSeconds, words)
    : ['/bin/sh', '-c', DRIVER, 'arena', ...words, recipe.compile ?? '', recipe.run, String(cpuSeconds), marker];
}
