import { extractCode } from '@arena/sandboxes';
import { describe, expect, it } from 'vitest';
import { demoAnswer, demoFollowup } from './demo-answers.js';
import { requestedLanguage } from './demo-languages.js';

describe('the language a request asks for', () => {
  it.each([
    ['Write a C program that reverses a string', 'c'],
    ['Implement a stack in C++', 'cpp'],
    ['Write it in Java please', 'java'],
    ['A Go program that sorts', 'go'],
    ['in Go, print the primes', 'go'],
    ['Write a Rust function', 'rust'],
    ['A bash script that lists files', 'bash'],
    ['Solve it in Python', 'python'],
    ['Use TypeScript', 'typescript'],
    ['A JavaScript snippet', 'javascript'],
    ['Make a web page with a button', 'html'],
    ['A React counter', 'react'],
  ])('"%s" → %s', (prompt, language) => {
    expect(requestedLanguage(prompt)).toBe(language);
  });

  it('finds none where the words only look like one', () => {
    for (const prompt of ['Let us go and count the primes', 'Find all primes below 100', 'Print a b c d']) {
      expect(requestedLanguage(prompt)).toBeUndefined();
    }
  });

  it('the sloppy model fixes its broken program in the language asked for', () => {
    const prompt = 'Write a Rust program that counts words';
    expect(extractCode(demoAnswer('sloppy', prompt))?.environment).toBe('rust');
    expect(extractCode(demoFollowup('sloppy', prompt, 'It does not compile', 1))?.environment).toBe('rust');
  });
});
