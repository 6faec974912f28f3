import os from 'node:os';
import { IsolatedVmRunner, type SandboxRegistry } from '@arena/sandboxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCode } from '@arena/sandboxes';
import { loadConfig } from '../src/config/config.js';
import { demoAnswer } from '../src/models/providers/demo-answers.js';
import { createSandboxRegistry } from '../src/sandboxes/sandbox-registry.factory.js';

const PROMPTS = [
  'Write FizzBuzz for 1 to 15',
  'Print the first 20 Fibonacci numbers',
  'Find all primes below 100',
  'Implement merge sort',
  'Check if a sentence is a palindrome',
  'Build me a todo list manager',
];

describe('demo models', () => {
  let runner: IsolatedVmRunner;
  beforeAll(() => {
    runner = new IsolatedVmRunner({ size: 2 });
  });
  afterAll(async () => {
    await runner.close();
  });

  it.each(PROMPTS)(
    'answer "%s" with JavaScript and TypeScript that run, and Python that is extracted',
    async (prompt) => {
      for (const style of ['javascript', 'typescript'] as const) {
        const x = extractCode(demoAnswer(style, prompt));
        expect(x?.environment).toBe(style);
        let out = '';
        const result = await runner.run(
          { environment: x!.environment, code: x!.code },
          { onOutput: (c) => (out += c.data) },
        );
        expect(result.status, `${style}: ${out}`).toBe('ok');
        expect(out.length).toBeGreaterThan(0);
      }
      const py = extractCode(demoAnswer('python', prompt));
      expect(py).toMatchObject({ environment: 'python', installCommand: 'pip install --quiet typing-extensions' });
    },
  );

  it('the sloppy model writes code that fails, in each of its three ways', async () => {
    const statuses = new Set<string>();
    for (const prompt of [
      ...PROMPTS,
      ...'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `Write a program about ${c}`),
    ]) {
      const x = extractCode(demoAnswer('sloppy', prompt));
      const result = await runner.run({ environment: x!.environment, code: x!.code, limits: { cpuMs: 200 } });
      expect(result.status).not.toBe('ok');
      statuses.add(result.status);
    }
    expect([...statuses].sort()).toEqual(['compile_error', 'runtime_error', 'timeout']);
  });
});

/** A first visitor asking for a language gets that language, written, compiled and run in the sandboxes. */
const ASKED: [prompt: string, environment: string][] = [
  ['Write a C program that counts words', 'c'],
  ['Write a C++ program that counts words', 'cpp'],
  ['Write a Java program that counts words', 'java'],
  ['Write a Go program that counts words', 'go'],
  ['Write a Rust program that counts words', 'rust'],
  ['Write a Bash script that counts words', 'bash'],
  ['Write a Python program that counts words', 'python'],
  ['Write a TypeScript program that counts words', 'typescript'],
  ['Write a JavaScript program that counts words', 'javascript'],
  ['Make an HTML page that lists the words of this request', 'html'],
  ['Build a React component that counts words', 'react'],
];

describe('demo models answer in the language asked for', () => {
  let registry: SandboxRegistry;
  beforeAll(async () => {
    registry = createSandboxRegistry(loadConfig({ ARENA_PYODIDE: 'off', ARENA_DATA_DIR: os.tmpdir() }), {
      poolSize: 1,
    });
    await registry.start();
  });
  afterAll(async () => {
    await registry.close();
  });

  it.each(ASKED)(
    '"%s" → %s from every model; the careful ones run, the sloppy one does not',
    async (prompt, environment) => {
      for (const style of ['javascript', 'typescript', 'python', 'react', 'sloppy'] as const) {
        const code = extractCode(demoAnswer(style, prompt));
        expect(code?.environment, style).toBe(environment);
        let out = '';
        const result = await registry.run(
          { environment: code!.environment, code: code!.code },
          { onOutput: (c) => (out += c.data) },
        );
        // A page renders however sloppy its markup; every program of the sloppy model fails.
        if (style === 'sloppy' && environment !== 'react' && environment !== 'html')
          expect(result.status, `${style}: ${out}`).not.toBe('ok');
        if (style === 'sloppy') continue;
        expect(result.status, `${style}: ${out}`).toBe('ok');
        if (['c', 'cpp', 'java', 'go', 'rust', 'bash'].includes(environment)) {
          expect(out).toContain('words in the request: 7');
          expect(out).toMatch(/longest word: (program|counts|script)/);
        }
      }
    },
  );
});
