import { parseCodeBlocks } from '@arena/sandboxes';
import type { EvalLanguage, EvalTask } from './eval-task.js';

const DISPLAY: Record<EvalLanguage, string> = {
  python: 'Python',
  javascript: 'JavaScript',
  typescript: 'TypeScript',
  cpp: 'C++',
  java: 'Java',
  go: 'Go',
  rust: 'Rust',
};

/** Fence tags that name each language (the first word of the info string, lower-cased). */
const FENCE_TAGS: Record<EvalLanguage, readonly string[]> = {
  python: ['python', 'py', 'python3'],
  javascript: ['javascript', 'js', 'node', 'mjs', 'cjs'],
  typescript: ['typescript', 'ts'],
  cpp: ['cpp', 'c++', 'cc', 'cxx', 'c'],
  java: ['java'],
  go: ['go', 'golang'],
  rust: ['rust', 'rs'],
};

const SHELL_TAGS = new Set(['bash', 'sh', 'shell', 'console', 'zsh', 'text', 'plaintext', 'output']);

/** The language's name as a person writes it. */
export function languageName(language: EvalLanguage): string {
  return DISPLAY[language];
}

/**
 * The chat turn that asks a model for a task: the prompt as given (signature and docstring), and the request
 * for the complete function in one fenced block, with what it needs and without a `main` or tests of its
 * own (the task's tests bring them).
 */
export function evalPrompt(task: EvalTask): string {
  const name = DISPLAY[task.language];
  const fence = FENCE_TAGS[task.language][0]!;
  return (
    `Complete the following ${name} code: write the function \`${task.entryPoint}\` so that it does what its ` +
    `documentation says.\n\nAnswer with one \`\`\`${fence} code block holding the complete, compilable code of ` +
    `the function, with every import, include and helper it needs. Do not write a main function, tests or ` +
    `example usage.\n\n\`\`\`${fence}\n${task.prompt.trimEnd()}\n\`\`\`\n${context(task)}`
  );
}

/** What the program finds around it: the task's files, and its HTTP API. */
function context(task: EvalTask): string {
  const parts: string[] = [];
  if (task.files)
    parts.push(
      `\nThese files are in the working directory beside your code:\n\n` +
        Object.entries(task.files)
          .map(([name, content]) => `${name}:\n\`\`\`\n${content.trimEnd()}\n\`\`\`\n`)
          .join('\n'),
    );
  if (task.mockApi)
    parts.push(
      `\nAn HTTP API is reachable at the base URL in the environment variable API_BASE_URL, with these routes: ` +
        `${Object.keys(task.mockApi).join(', ')}. Use only the standard library or requests.\n`,
    );
  return parts.join('');
}

/**
 * The code of an answer: the longest fenced block tagged with the task's language, else the longest block that
 * is not a shell transcript, else (no fences at all) the whole answer as a bare completion. Undefined when
 * there is nothing to run.
 */
export function answerCode(language: EvalLanguage, text: string): string | undefined {
  const blocks = parseCodeBlocks(text).filter((b) => b.code.trim());
  const tagged = blocks.filter((b) => FENCE_TAGS[language].includes(b.tag));
  const pool = tagged.length > 0 ? tagged : blocks.filter((b) => !SHELL_TAGS.has(b.tag));
  if (pool.length > 0) return pool.reduce((a, b) => (b.code.length > a.code.length ? b : a)).code;
  if (blocks.length > 0) return undefined;
  return text.trim() ? text : undefined;
}
