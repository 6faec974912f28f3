import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedData } from '@arena/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectEnvironment, extractCode, parseCodeBlocks } from './code-extraction.js';

const RECORDED = 'extractCode on real recorded answers (Arena-Hard, gpt-4-0613 and gpt-3.5-turbo-0125)';
const shared = sharedData(RECORDED, ['arena-hard-v0.1']);
const DATA = path.join(shared.dir, 'arena-hard-v0.1/model_answer');

function answers(model: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(path.join(DATA, `${model}.jsonl`), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { uid: string; messages: { role: string; content: { answer: string } | string }[] };
    const content = row.messages.find((m) => m.role === 'assistant')!.content;
    out.set(row.uid, typeof content === 'string' ? content : content.answer);
  }
  return out;
}

describe.skipIf(shared.missing)(RECORDED, () => {
  let gpt4: Map<string, string>;
  let gpt35: Map<string, string>;
  beforeAll(() => {
    gpt4 = answers('gpt-4-0613');
    gpt35 = answers('gpt-3.5-turbo-0125');
  });

  it('finds the JavaScript program in "give me JavaScript code to calculate pi"', () => {
    const x = extractCode(gpt4.get('4daa77667fb943d78113ebcd73762c66')!);
    expect(x).toMatchObject({ environment: 'javascript', language: 'javascript' });
    expect(x!.code).toContain('Math');
  });

  it('takes a C++ answer as cpp', () => {
    const x = extractCode(gpt4.get('b43c07656ead4150b360294ee932b410')!);
    expect(x?.environment).toBe('cpp');
    expect(x!.code).toContain('#include');
  });

  it('separates an install block from the PHP program', () => {
    // "Tell me how to implement a SCIM server in PHP using slim" has a composer install and PHP code.
    const x = extractCode(gpt4.get('0122ab60646b4961bc39e9c03bdf6bcc')!);
    expect(x?.installCommand).toMatch(/^composer require slim/);
    expect(x).toMatchObject({ environment: 'none', language: 'php' });
  });

  it('classifies every recorded answer without throwing, and most answers with code get an environment', () => {
    let withBlocks = 0;
    let runnable = 0;
    const seen = new Set<string>();
    for (const map of [gpt4, gpt35]) {
      for (const answer of map.values()) {
        const x = extractCode(answer);
        if (!x) continue;
        withBlocks += 1;
        seen.add(x.environment);
        if (x.environment !== 'none') runnable += 1;
        expect(x.code.length).toBeGreaterThan(0);
        expect(answer).toContain(x.code.split('\n')[0]!.trim());
      }
    }
    expect(withBlocks).toBeGreaterThan(400);
    expect(runnable / withBlocks).toBeGreaterThan(0.6);
    for (const env of ['python', 'javascript', 'cpp', 'c', 'rust', 'java', 'html', 'bash']) expect(seen).toContain(env);
  });

  it('takes the longest block that is not a shell block', () => {
    const answer = gpt4.get('1e3cf1a2ba4f4167a8c726913e50a0d0')!; // pull-based streams in Node.js
    const blocks = parseCodeBlocks(answer).filter((b) => !['bash', 'sh', 'shell'].includes(b.tag));
    const longest = blocks.reduce((a, b) => (b.code.length > a.code.length ? b : a));
    expect(extractCode(answer)?.code).toBe(longest.code);
  });
});

describe('extractCode rules', () => {
  it('returns nothing for an answer without code', () => {
    expect(extractCode('Just prose, no code.')).toBeUndefined();
  });

  it('keeps an unterminated final block (a stream cut mid-code)', () => {
    const x = extractCode('Here:\n```python\nprint(1)\nprint(2)');
    expect(x).toMatchObject({ environment: 'python', code: 'print(1)\nprint(2)' });
  });

  it('supports tildes, longer fences and info strings with attributes', () => {
    expect(parseCodeBlocks('~~~ts title="a.ts"\nlet a = 1\n~~~')).toEqual([
      { tag: 'ts', code: 'let a = 1', unterminated: false },
    ]);
    expect(parseCodeBlocks('````md\n```js\nx\n```\n````')[0]).toMatchObject({ tag: 'md', code: '```js\nx\n```' });
  });

  it('runs a bash block when it is the only program, but treats install-only blocks as installs', () => {
    expect(extractCode('```bash\nfor i in 1 2 3; do echo $i; done\n```')).toMatchObject({ environment: 'bash' });
    const x = extractCode(
      '```bash\npip install numpy pandas\n```\n\n```python\nimport numpy as np\nprint(np.arange(3))\n```',
    );
    expect(x).toMatchObject({ environment: 'python', installCommand: 'pip install numpy pandas', blockCount: 2 });
  });

  it.each([
    ['python', 'import streamlit as st\nst.title("x")', 'streamlit'],
    ['python', 'import gradio as gr\ngr.Interface(fn=f)', 'gradio'],
    ['python', 'import pygame\npygame.init()', 'pygame'],
    ['jsx', 'export default function App() { return <div/> }', 'react'],
    ['javascript', "import React from 'react';\nexport default () => <p>hi</p>;", 'react'],
    ['typescript', "import { useState } from 'react';\nconst x: number = 1;\nReact.createElement('p')", 'react'],
    ['vue', '<template><p>{{ msg }}</p></template>\n<script setup>const msg = "hi"</script>', 'vue'],
    ['html', '<!DOCTYPE html><html><body>hi</body></html>', 'html'],
    ['html', '<svg viewBox="0 0 10 10"><circle r="4"/></svg>', 'svg'],
    ['mermaid', 'graph TD; A-->B', 'mermaid'],
    ['ts', 'const x: number = 1;', 'typescript'],
    ['c++', '#include <iostream>\nint main(){}', 'cpp'],
    ['golang', 'package main\nfunc main(){}', 'go'],
    ['rs', 'fn main() {}', 'rust'],
    ['', '#include <stdio.h>\nint main(){ printf("x"); }', 'c'],
    ['', 'def f(x):\n    return x\nprint(f(1))', 'python'],
    ['', 'public class Main { public static void main(String[] a) { System.out.println(1); } }', 'java'],
    ['', 'const x = [1,2].map((v) => v * 2);\nconsole.log(x);', 'javascript'],
    ['sql', 'SELECT 1;', 'none'],
  ])('detects %s fences (%s…) as %s', (tag, code, environment) => {
    expect(detectEnvironment(tag, code).environment).toBe(environment);
  });
});
