/**
 * A compile's failure as compiler-style lines (`main.ts:3:7 - error: …`), or the error's text when it has
 * none. A message the arena wrote (a limit it enforced) is always an `error`, whatever `kind` the
 * program's own errors are given.
 */
export function describeBuildError(error: unknown, file: string, kind = 'error'): string {
  const errors = (
    error as { errors?: { text: string; location?: { line: number; column: number } | null; limit?: boolean }[] }
  ).errors;
  if (!errors?.length) return String(error);
  return errors
    .map(
      (e) =>
        `${file}${e.location ? `:${e.location.line}:${e.location.column + 1}` : ''} - ${e.limit ? 'error' : kind}: ${e.text}`,
    )
    .join('\n');
}
