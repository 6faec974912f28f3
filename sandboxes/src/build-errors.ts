/** esbuild's failure as compiler-style lines (`main.ts:3:7 - error: …`), or the error's text when it has none. */
export function describeBuildError(error: unknown, file: string, kind = 'error'): string {
  const errors = (error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors;
  if (!errors?.length) return String(error);
  return errors
    .map((e) => `${file}${e.location ? `:${e.location.line}:${e.location.column + 1}` : ''} - ${kind}: ${e.text}`)
    .join('\n');
}
