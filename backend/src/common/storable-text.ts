/**
 * Text as PostgreSQL stores it: U+0000 cannot be held in `text` (both PostgreSQL and PGlite refuse the row),
 * so a program or a model that prints one shows U+FFFD (the replacement character) there instead.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
