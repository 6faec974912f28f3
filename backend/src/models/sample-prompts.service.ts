import { readFile } from 'node:fs/promises';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { SamplePrompt } from '@arena/contracts';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';

const BUILT_IN: SamplePrompt[] = [
  { title: 'FizzBuzz', prompt: 'Write FizzBuzz for 1 to 15 and print each line.', category: 'problem_solving' },
  {
    title: 'Fibonacci',
    prompt: 'Print the first 20 Fibonacci numbers, using BigInt so large values stay exact.',
    category: 'problem_solving',
  },
  {
    title: 'Primes',
    prompt: 'Find all prime numbers below 100 with the sieve of Eratosthenes and print how many there are.',
    category: 'problem_solving',
  },
  {
    title: 'Sorting',
    prompt: 'Implement merge sort (or quicksort) without using the built-in sort, and show it on a sample array.',
    category: 'problem_solving',
  },
  {
    title: 'Palindromes',
    prompt:
      'Write a function that checks whether a sentence is a palindrome, ignoring case and punctuation, and test it.',
    category: 'problem_solving',
  },
  {
    title: 'Word stats',
    prompt: 'Count the words in a paragraph of text and print the five most frequent ones.',
    category: 'problem_solving',
  },
];

/**
 * Prompts offered in the UI: built-in ones, plus (when ARENA_SAMPLE_PROMPTS_FILE names a JSONL of
 * `{ instruction | prompt, category? }`, such as the AutoCodeArena prompts) a random few from that file.
 */
@Injectable()
export class SamplePromptsService implements OnModuleInit {
  private readonly logger = createLogger(SamplePromptsService.name);
  private fromFile: SamplePrompt[] = [];

  constructor(@Inject(ARENA_CONFIG) private readonly config: ArenaConfig) {}

  async onModuleInit(): Promise<void> {
    const file = this.config.samplePromptsFile;
    if (!file) return;
    try {
      const text = await readFile(file, 'utf8');
      this.fromFile = text
        .split('\n')
        .filter((line) => line.trim())
        .flatMap((line) => {
          const row = JSON.parse(line) as { instruction?: unknown; prompt?: unknown; category?: unknown };
          const prompt =
            typeof row.instruction === 'string'
              ? row.instruction
              : typeof row.prompt === 'string'
                ? row.prompt
                : undefined;
          if (!prompt || prompt.length > 4_000) return [];
          const title = prompt.replace(/\s+/g, ' ').slice(0, 48);
          return [{ title, prompt, ...(typeof row.category === 'string' ? { category: row.category } : {}) }];
        });
      this.logger.info({ file, prompts: this.fromFile.length }, 'sample prompts loaded');
    } catch (error) {
      this.logger.warn({ file, err: error }, 'sample prompts file could not be read; using the built-in ones');
    }
  }

  pick(count: number): SamplePrompt[] {
    if (this.fromFile.length === 0) return BUILT_IN.slice(0, count);
    const picked = new Set<SamplePrompt>();
    while (picked.size < Math.min(count - 2, this.fromFile.length)) {
      picked.add(this.fromFile[Math.floor(Math.random() * this.fromFile.length)]!);
    }
    return [...BUILT_IN.slice(0, count - picked.size), ...picked];
  }
}
