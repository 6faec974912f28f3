import { createRequire } from 'node:module';

// The encoder and its 200k ranks are loaded on first use (0.2 s): a command that never counts tokens
// (`arena rank` without style control) does not pay for them.
const require = createRequire(import.meta.url);

/**
 * The style counts of one side's answers, as FastChat's `conv_metadata` holds them. Markdown is counted as
 * fastchat/serve/monitor/add_markdown_info.py does: assistant turns joined with "\n", the text between
 * triple backticks removed first (its `remove_pattern` with "```([^`]*)```", which drops the captured text and
 * keeps the fences), then headers `^#{1..6}\s`, list items `^\s*\d+\.\s` and `^\s*[-*+]\s`, bold `\*\*[^*\n]+\*\*`
 * and `__[^_\n]+__`, where `^` is the start of the text or of a line (Python's MULTILINE) and `\d`, `\s` are
 * Unicode-aware as in Python. Tokens: the whole answers (code included) with OpenAI's o200k_base encoding
 * from tiktoken (see `tokenCount`); FastChat's released counts come from FastChat's own pipeline and another tokenizer, so
 * the two are not interchangeable.
 */
export interface StyleCounts {
  tokens: number;
  headers: number;
  lists: number;
  bold: number;
}

// (?<![^\n]) is Python's MULTILINE `^`: the start of the text or just after "\n" (JavaScript's `m` flag
// would also break at "\r", U+2028 and U+2029).
const LINE = '(?<![^\\n])';
const WS = '[\\s\\u001c-\\u001f\\u0085]';
const HEADERS = [1, 2, 3, 4, 5, 6].map((level) => new RegExp(`${LINE}#{${level}}${WS}`, 'gu'));
const ORDERED = new RegExp(`${LINE}${WS}*\\p{Nd}+\\.${WS}`, 'gu');
const UNORDERED = new RegExp(`${LINE}${WS}*[-*+]${WS}`, 'gu');
const BOLD_STARS = /\*\*[^*\n]+\*\*/gu;
const BOLD_UNDERSCORES = /__[^_\n]+__/gu;
const CODE = /```([^`]*)```/g;

function count(pattern: RegExp, text: string): number {
  let n = 0;
  for (const match of text.matchAll(pattern)) if (match) n += 1;
  return n;
}

/** add_markdown_info.py's `remove_pattern`: every captured block's text is removed wherever it occurs. */
export function removeCodeBlocks(answer: string): string {
  let out = answer;
  for (const match of answer.matchAll(CODE)) {
    const block = match[1]!;
    if (block) out = out.split(block).join('');
  }
  return out;
}

export function markdownCounts(answer: string): Omit<StyleCounts, 'tokens'> {
  const text = removeCodeBlocks(answer);
  return {
    headers: HEADERS.reduce((sum, pattern) => sum + count(pattern, text), 0),
    lists: count(ORDERED, text) + count(UNORDERED, text),
    bold: count(BOLD_STARS, text) + count(BOLD_UNDERSCORES, text),
  };
}

/**
 * A piece (a match of o200k_base's pre-tokenizer) longer than this is counted in slices of this length.
 * Byte-pair merging is quadratic in a piece's length: a 20,000-character run of one letter took 37 s with
 * js-tiktoken and 0.1 s with tiktoken's WebAssembly, 100,000 took 12 s there and a million aborted it; a
 * thousand takes under a millisecond. Real answers' pieces are words, numbers and runs of punctuation (none of
 * the 14,306 answers and questions in the shared data comes near): their counts are exact; a longer run (a
 * separator line of ten thousand `=`, a minified blob) counts as its slices would, within a token of each.
 */
export const LONGEST_PIECE = 1000;

/** o200k_base's pre-tokenizer (its `pat_str`): where byte-pair merging never crosses. */
const PIECES =
  /[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

interface Encoder {
  encode_ordinary(text: string): Uint32Array;
}
let encoder: Encoder | undefined;

/**
 * o200k_base from tiktoken's WebAssembly build: its ranks live in the module's memory, not in the JavaScript
 * heap (js-tiktoken's Map of them was 74 MB of the server's heap, which every full collection marked, and took
 * 2.4 s to build; this takes 0.2 s and counts 1.6× as fast, with the same counts).
 */
function o200k(): Encoder {
  if (!encoder) {
    const { get_encoding } = require('tiktoken') as typeof import('tiktoken');
    encoder = get_encoding('o200k_base');
  }
  return encoder;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * Tokens of a text in o200k_base (GPT-4o's encoding), special-token text counted as ordinary text; a piece
 * longer than `LONGEST_PIECE` characters is counted in slices of that length (see there).
 */
export function tokenCount(text: string): number {
  const encode = o200k();
  if (text.length <= LONGEST_PIECE) return encode.encode_ordinary(text).length;
  let tokens = 0;
  let from = 0;
  for (const match of text.matchAll(PIECES)) {
    const piece = match[0];
    if (piece.length <= LONGEST_PIECE) continue;
    if (match.index > from) tokens += encode.encode_ordinary(text.slice(from, match.index)).length;
    for (let at = 0; at < piece.length;) {
      // A slice never ends between the two halves of a character outside the BMP (each would count as U+FFFD).
      let end = Math.min(at + LONGEST_PIECE, piece.length);
      if (end < piece.length && isHighSurrogate(piece.charCodeAt(end - 1))) end--;
      tokens += encode.encode_ordinary(piece.slice(at, end)).length;
      at = end;
    }
    from = match.index + piece.length;
  }
  if (from < text.length) tokens += encode.encode_ordinary(from === 0 ? text : text.slice(from)).length;
  return tokens;
}

/** The counts of one side: its assistant turns joined with "\n", as FastChat joins them. */
export function styleCounts(answers: readonly string[]): StyleCounts {
  const text = answers.join('\n');
  return { tokens: tokenCount(text), ...markdownCounts(text) };
}
