import { IsolatedVmRunner } from '@arena/sandboxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCode } from '@arena/sandboxes';
import { demoAnswer } from '../src/models/providers/demo-answers.js';

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
