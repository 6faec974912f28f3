import { createRequire } from 'node:module';
import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite';

// The encoder and its 200k ranks are loaded on first use (a few hundred ms): a command that never counts
// tokens (`arena rank` without style control) does not pay for them.
const require = createRequire(import.meta.url);

/**
 * The style counts of one side's answers, as FastChat's `conv_metadata` holds them. Markdown is counted as
 * fastchat/serve/monitor/add_markdown_info.py does: assistant turns joined with "\n", the text between
 * triple backticks removed first (its `remove_pattern` with "```([^`]*)```", which drops the captured text and
 * keeps the fences), then headers `^#{1..6}\s`, list items `^\s*\d+\.\s` and `^\s*[-*+]\s`, bold `\*\*[^*\n]+\*\*`
 * and `__[^_\n]+__`, where `^` is the start of the text or of a line (Python's MULTILINE) and `\d`, `\s` are
 * Unicode-aware as in Python. Tokens: the whole answers (code included) with OpenAI's o200k_base encoding
 * from js-tiktoken; FastChat's released counts come from FastChat's own pipeline and another tokenizer, so
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

let encoder: Tiktoken | undefined;

/** Tokens of a text in o200k_base (GPT-4o's encoding), special-token text counted as ordinary text. */
export function tokenCount(text: string): number {
  if (!encoder) {
    const { Tiktoken: Encoder } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
    encoder = new Encoder(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
  }
  return encoder.encode(text, [], []).length;
}

/** The counts of one side: its assistant turns joined with "\n", as FastChat joins them. */
export function styleCounts(answers: readonly string[]): StyleCounts {
  const text = answers.join('\n');
  return { tokens: tokenCount(text), ...markdownCounts(text) };
}
