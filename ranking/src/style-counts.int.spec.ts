import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';
import { markdownCounts, styleCounts, tokenCount } from './style-counts.js';

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
});
