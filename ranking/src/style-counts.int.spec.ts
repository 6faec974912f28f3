import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';
import { LONGEST_PIECE, markdownCounts, styleCounts, tokenCount } from './style-counts.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';

function fastchat(answers: string[]): number[][] {
  const run = spawnSync(PYTHON, [path.join(here, '../../bench/reference/markdown_counts_fastchat.py')], {
    input: JSON.stringify(answers),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`FastChat markdown counts failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as number[][];
}

const HAND = [
  '# Title\n\nSome **bold** and __also bold__ text.\n\n## Part\n- one\n- two\n* three\n+ four\n1. first\n2. second',
  'No markdown at all.',
  '```python\n# not a header\n- not a list\n**not bold**\n```\n# A header after code',
  '```\n# in an unlabelled block\n```\ntext ```inline # x``` and ```` four ````',
  '#NoSpace\n####### seven\n###### six\n  - indented item\n\n\n3. after blank lines\r\n# after CRLF',
  '**a** **b** ** c**\n__x____y__\n**multi\nline**',
  'code `a` ```b``` repeated: b b b',
  '١٢. Arabic-Indic digits\n\u00a0- after a no-break space\n\u2028# after a line separator',
];

function randomMarkdown(seed: number): string {
  const random = seededRandom(seed);
  const pieces = [
    '# ',
    '## ',
    '###',
    '- ',
    '* ',
    '+ ',
    '1. ',
    '12.',
    '**',
    '__',
    '```',
    '`',
    '\n',
    '\n\n',
    ' ',
    'word',
    '\t',
    'x',
  ];
  let out = '';
  const length = 5 + Math.floor(random() * 60);
  for (let i = 0; i < length; i++) out += pieces[Math.floor(random() * pieces.length)]!;
  return out;
}

describe("markdown counts as FastChat's add_markdown_info.py", () => {
  it('agrees with the Python original on hand-made and random answers', () => {
    const answers = [...HAND, ...Array.from({ length: 400 }, (_, i) => randomMarkdown(i + 1))];
    const theirs = fastchat(answers);
    const ours = answers.map((a) => {
      const c = markdownCounts(a);
      return [c.headers, c.lists, c.bold];
    });
    expect(ours).toEqual(theirs);
    // Not all zero: the hand-made first answer has headers, lists and bold.
    expect(ours[0]).toEqual([2, 6, 2]);
  });

  it('counts tokens with o200k_base and joins turns with a newline', () => {
    expect(tokenCount('hello world')).toBe(2);
    expect(tokenCount('')).toBe(0);
    const both = styleCounts(['# One', '# Two']);
    expect(both.headers).toBe(2);
    expect(both.tokens).toBe(tokenCount('# One\n# Two'));
  });

  it('counts as js-tiktoken counted before (code, Unicode, contractions, special-token text, long runs)', () => {
    // Counts js-tiktoken 1.0.21 gave for these texts, kept when the encoder moved to tiktoken's WebAssembly.
    expect(tokenCount('def add(a, b):\n    return a + b\n\nprint(add(2, 3))  # 5')).toBe(24);
    expect(tokenCount('Ünïcödé — 中文字符 and emoji 👩‍👩‍👧 in one line')).toBe(21);
    expect(tokenCount("It's what they'LL say: <|endoftext|> isn't special here")).toBe(17);
    expect(tokenCount('=== '.repeat(50) + '\n\n\n\t  end')).toBe(53);
    expect(tokenCount('a'.repeat(LONGEST_PIECE))).toBe(125);
  });

  it('counts a run far longer than any word in slices, and exactly around it', () => {
    // One piece of 200,000 characters: merged whole, this took minutes (js-tiktoken) or aborted (a million).
    const run = 'a'.repeat(200 * LONGEST_PIECE);
    expect(tokenCount(run)).toBe(200 * tokenCount('a'.repeat(LONGEST_PIECE)));
    const text = `print("x")\n${'='.repeat(5 * LONGEST_PIECE)}\nprint("y")`;
    const [before, after] = ['print("x")\n', '\nprint("y")'];
    expect(tokenCount(text)).toBe(tokenCount(before) + 5 * tokenCount('='.repeat(LONGEST_PIECE)) + tokenCount(after));
    // A slice never cuts a character outside the BMP in two: 600 emoji (1,200 UTF-16 units) after a space are one
    // piece, sliced after the 499th emoji (999 units), not inside the 500th.
    const emoji = '\u{1F600}';
    expect(tokenCount(` ${emoji.repeat(600)}`)).toBe(
      tokenCount(` ${emoji.repeat(499)}`) + tokenCount(emoji.repeat(101)),
    );
    // A long text of ordinary pieces is counted whole (js-tiktoken's count).
    expect(tokenCount('The quick brown fox jumps over the lazy dog. '.repeat(100))).toBe(1001);
  });
});
