/**
 * Scripted answers for the built-in demo models, so a bare machine can hold real battles: each answer
 * is markdown with a fenced program that really runs (JavaScript, TypeScript, Python) or, for the
 * deliberately sloppy model, sometimes fails (a syntax error, an exception, an endless loop).
 */
import {
  requestedLanguage,
  requestWords,
  withoutLastBrace,
  wordsPage,
  wordsProgram,
  type RequestedLanguage,
} from './demo-languages.js';

export type DemoStyle = 'javascript' | 'typescript' | 'python' | 'react' | 'sloppy';

interface Topic {
  keywords: RegExp;
  title: string;
  javascript: string;
  typescript: string;
  python: string;
}

const TOPICS: Topic[] = [
  {
    keywords: /fizz\s*buzz/i,
    title: 'FizzBuzz',
    javascript: `for (let i = 1; i <= 15; i++) {
  const out = (i % 3 === 0 ? 'Fizz' : '') + (i % 5 === 0 ? 'Buzz' : '');
  console.log(out || String(i));
}`,
    typescript: `function fizzBuzz(n: number): string {
  if (n % 15 === 0) return 'FizzBuzz';
  if (n % 3 === 0) return 'Fizz';
  if (n % 5 === 0) return 'Buzz';
  return String(n);
}

const lines: string[] = Array.from({ length: 15 }, (_, i) => fizzBuzz(i + 1));
console.log(lines.join('\\n'));`,
    python: `def fizz_buzz(n: int) -> str:
    return "Fizz" * (n % 3 == 0) + "Buzz" * (n % 5 == 0) or str(n)

for i in range(1, 16):
    print(fizz_buzz(i))`,
  },
  {
    keywords: /fibonacci|fib\b/i,
    title: 'Fibonacci numbers',
    javascript: `function* fibonacci() {
  let [a, b] = [0n, 1n];
  while (true) {
    yield a;
    [a, b] = [b, a + b];
  }
}

const first = [];
for (const n of fibonacci()) {
  if (first.length === 20) break;
  first.push(n);
}
console.log(first.join(', '));`,
    typescript: `function fibonacci(count: number): bigint[] {
  const out: bigint[] = [];
  let a = 0n;
  let b = 1n;
  for (let i = 0; i < count; i++) {
    out.push(a);
    [a, b] = [b, a + b];
  }
  return out;
}

console.log(fibonacci(20).join(', '));
console.log('F(90) =', fibonacci(91)[90]);`,
    python: `def fibonacci(count):
    a, b = 0, 1
    for _ in range(count):
        yield a
        a, b = b, a + b

print(", ".join(str(n) for n in fibonacci(20)))`,
  },
  {
    keywords: /prime/i,
    title: 'Prime numbers (sieve of Eratosthenes)',
    javascript: `function primesUpTo(limit) {
  const sieve = new Uint8Array(limit + 1).fill(1);
  sieve[0] = sieve[1] = 0;
  for (let p = 2; p * p <= limit; p++) {
    if (sieve[p]) for (let m = p * p; m <= limit; m += p) sieve[m] = 0;
  }
  return [...sieve.keys()].filter((n) => sieve[n]);
}

const primes = primesUpTo(100);
console.log(\`\${primes.length} primes below 100:\`, primes.join(' '));`,
    typescript: `function primesUpTo(limit: number): number[] {
  const composite = new Set<number>();
  const primes: number[] = [];
  for (let n = 2; n <= limit; n++) {
    if (composite.has(n)) continue;
    primes.push(n);
    for (let m = n * n; m <= limit; m += n) composite.add(m);
  }
  return primes;
}

const primes = primesUpTo(100);
console.log(\`\${primes.length} primes below 100: \${primes.join(' ')}\`);`,
    python: `def primes_up_to(limit):
    sieve = [True] * (limit + 1)
    sieve[0:2] = [False, False]
    for p in range(2, int(limit ** 0.5) + 1):
        if sieve[p]:
            sieve[p * p :: p] = [False] * len(sieve[p * p :: p])
    return [n for n, is_prime in enumerate(sieve) if is_prime]

primes = primes_up_to(100)
print(f"{len(primes)} primes below 100:", *primes)`,
  },
  {
    keywords: /sort|quick\s*sort|merge\s*sort/i,
    title: 'Sorting',
    javascript: `function mergeSort(items) {
  if (items.length <= 1) return items;
  const mid = items.length >> 1;
  const left = mergeSort(items.slice(0, mid));
  const right = mergeSort(items.slice(mid));
  const out = [];
  while (left.length && right.length) out.push(left[0] <= right[0] ? left.shift() : right.shift());
  return [...out, ...left, ...right];
}

const data = [38, 27, 43, 3, 9, 82, 10];
console.log('input: ', data.join(' '));
console.log('sorted:', mergeSort(data).join(' '));`,
    typescript: `function quickSort<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  if (items.length <= 1) return [...items];
  const [pivot, ...rest] = items as [T, ...T[]];
  const smaller = rest.filter((x) => compare(x, pivot) < 0);
  const larger = rest.filter((x) => compare(x, pivot) >= 0);
  return [...quickSort(smaller, compare), pivot, ...quickSort(larger, compare)];
}

const data: number[] = [38, 27, 43, 3, 9, 82, 10];
console.log('sorted:', quickSort(data, (a, b) => a - b).join(' '));
console.log('words: ', quickSort(['pear', 'apple', 'fig'], (a, b) => a.localeCompare(b)).join(' '));`,
    python: `def merge_sort(items):
    if len(items) <= 1:
        return items
    mid = len(items) // 2
    left, right = merge_sort(items[:mid]), merge_sort(items[mid:])
    out = []
    while left and right:
        out.append(left.pop(0) if left[0] <= right[0] else right.pop(0))
    return out + left + right

print(merge_sort([38, 27, 43, 3, 9, 82, 10]))`,
  },
  {
    keywords: /palindrome|reverse/i,
    title: 'Palindromes',
    javascript: `const isPalindrome = (text) => {
  const clean = text.toLowerCase().replace(/[^a-z0-9]/g, '');
  return clean === [...clean].reverse().join('');
};

for (const s of ['A man, a plan, a canal: Panama', 'arena', 'Was it a car or a cat I saw?']) {
  console.log(JSON.stringify(s), '->', isPalindrome(s));
}`,
    typescript: `function isPalindrome(text: string): boolean {
  const clean = text.toLowerCase().replace(/[^a-z0-9]/g, '');
  let i = 0;
  let j = clean.length - 1;
  while (i < j) if (clean[i++] !== clean[j--]) return false;
  return true;
}

const samples: string[] = ['A man, a plan, a canal: Panama', 'arena', 'No lemon, no melon'];
for (const s of samples) console.log(\`\${s} -> \${isPalindrome(s)}\`);`,
    python: `import re

def is_palindrome(text: str) -> bool:
    clean = re.sub(r"[^a-z0-9]", "", text.lower())
    return clean == clean[::-1]

for s in ["A man, a plan, a canal: Panama", "arena"]:
    print(repr(s), "->", is_palindrome(s))`,
  },
];

const GENERIC: Omit<Topic, 'keywords' | 'title'> = {
  javascript: `const request = REQUEST;
const words = request.toLowerCase().match(/[a-z']+/g) ?? [];
const counts = new Map();
for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
console.log('words in the request:', words.length);
console.log('most frequent:', top.map(([w, n]) => \`\${w}×\${n}\`).join(', '));`,
  typescript: `const request: string = REQUEST;
interface Stat { word: string; count: number }
const counts = new Map<string, number>();
for (const w of request.toLowerCase().match(/[a-z']+/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
const stats: Stat[] = [...counts].map(([word, count]) => ({ word, count }));
stats.sort((a, b) => b.count - a.count || a.word.localeCompare(b.word));
console.log(\`\${stats.length} distinct words; longest: \${[...counts.keys()].sort((a, b) => b.length - a.length)[0] ?? '-'}\`);
console.table(stats.slice(0, 3));`,
  python: `from collections import Counter

request = REQUEST
words = [w.strip(".,!?") for w in request.lower().split()]
print("words in the request:", len(words))
print("most frequent:", Counter(words).most_common(3))`,
};

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Break a working JavaScript program in one of three ways, chosen by the prompt. */
function breakProgram(code: string, prompt: string): { code: string; flaw: string } {
  switch (hash(prompt) % 3) {
    case 0:
      return { code: code.replace(/\)(?=[^)]*$)/, ''), flaw: 'a missing parenthesis' };
    case 1:
      return { code: `${code}\nconsole.log(result.summary.toUpperCase());`, flaw: 'a variable that is never defined' };
    default:
      return { code: `let spins = 0;\nwhile (spins >= 0) spins++;\n${code}`, flaw: 'an endless loop' };
  }
}

const FENCE: Record<'c' | 'cpp' | 'java' | 'go' | 'rust' | 'bash', string> = {
  c: 'c',
  cpp: 'cpp',
  java: 'java',
  go: 'go',
  rust: 'rust',
  bash: 'bash',
};

const NAME: Record<RequestedLanguage, string> = {
  c: 'C',
  cpp: 'C++',
  java: 'Java',
  go: 'Go',
  rust: 'Rust',
  bash: 'Bash',
  python: 'Python',
  typescript: 'TypeScript',
  javascript: 'JavaScript',
  html: 'HTML',
  react: 'React',
};

/** The answer when the request names its language: every demo model writes in it, each in its own manner. */
function answerIn(language: RequestedLanguage, style: DemoStyle, prompt: string): string {
  switch (language) {
    case 'python':
    case 'typescript':
    case 'javascript': {
      if (style === 'sloppy' && language === 'javascript') return demoAnswer('sloppy', prompt, false);
      const answer = demoAnswer(language, prompt, false);
      if (style !== 'sloppy') return answer;
      // The sloppy model's version uses a name it never defined.
      const bug = language === 'python' ? 'print(result.summary)' : 'console.log(result.summary);';
      return answer
        .replace(/\n```\n(?![\s\S]*\n```\n)/, `\n${bug}\n\`\`\`\n`)
        .replace(/^[^\n]*/, 'Quick answer, should work:');
    }
    case 'react':
      return demoAnswer('react', prompt, false);
    case 'html': {
      const page = wordsPage(requestWords(prompt));
      const code = style === 'sloppy' ? page.replace('</ul>', '') : page;
      return `${style === 'sloppy' ? 'Quick page:' : 'Here is a small HTML page for it; it renders in the preview.'}\n\n\`\`\`html\n${code}\n\`\`\``;
    }
    case 'c':
    case 'cpp':
    case 'java':
    case 'go':
    case 'rust':
    case 'bash': {
      const program = wordsProgram(language, requestWords(prompt));
      if (style === 'sloppy') {
        const broken = language === 'bash' ? program.replace(/echo(?![\s\S]*echo)/, 'ehco') : withoutLastBrace(program);
        return `Quick answer in ${NAME[language]}, should work:\n\n\`\`\`${FENCE[language]}\n${broken}\n\`\`\``;
      }
      const intro =
        style === 'typescript'
          ? `Here is a careful ${NAME[language]} version: it counts the words of your request and names the longest.`
          : `Sure! A ${NAME[language]} program for it:`;
      return `${intro}\n\n\`\`\`${FENCE[language]}\n${program}\n\`\`\`\n\nIt prints its results, so you can check them in the output panel.`;
    }
  }
}

/**
 * A demo model's answer. `byLanguage`: when the request names a language, answer in it (a request for C gets
 * C, whatever the model's own style).
 */
export function demoAnswer(style: DemoStyle, prompt: string, byLanguage = true): string {
  const language = byLanguage ? requestedLanguage(prompt) : undefined;
  if (language) return answerIn(language, style, prompt);
  const topic = TOPICS.find((t) => t.keywords.test(prompt));
  const title = topic?.title ?? 'a small program for your request';
  const pick = (lang: 'javascript' | 'typescript' | 'python'): string =>
    (topic ?? GENERIC)[lang].replaceAll('REQUEST', JSON.stringify(prompt.slice(0, 300)));
  switch (style) {
    case 'typescript':
      return `Here is a typed TypeScript solution — ${title}.

\`\`\`typescript
${pick('typescript')}
\`\`\`

**How it works**

- The types document the contract of each function, so mistakes show up before the code runs.
- It prints its results, so you can check them in the output panel.`;
    case 'javascript':
      return `Sure! ${title} in plain JavaScript:

\`\`\`javascript
${pick('javascript')}
\`\`\`

Run it with \`node main.js\`; it needs no dependencies.`;
    case 'python':
      return `Let's solve it in Python — ${title}.

\`\`\`bash
pip install --quiet typing-extensions
\`\`\`

\`\`\`python
${pick('python')}
\`\`\`

The script prints its results; no third-party packages are actually required.`;
    case 'react':
      return `Here is an interactive React component for it — ${title}. It renders in the preview; try the buttons.

\`\`\`jsx
import React, { useEffect, useState } from 'react';

const REQUEST_TEXT = ${JSON.stringify(prompt.slice(0, 300)).replaceAll('`', "'")};

export default function App() {
  const [count, setCount] = useState(0);
  const words = REQUEST_TEXT.split(/\\s+/).filter(Boolean);
  useEffect(() => {
    console.log('preview mounted with', words.length, 'words');
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 16 }}>
      <h1 style={{ fontSize: 18 }}>Your request has {words.length} words</h1>
      <ul>
        {words.slice(0, 5).map((word, i) => (
          <li key={i}>{word}</li>
        ))}
      </ul>
      <button
        data-testid="counter"
        onClick={() => {
          setCount(count + 1);
          console.log('clicked', count + 1);
        }}
      >
        clicked {count} times
      </button>
    </main>
  );
}
\`\`\`

The component keeps its state with \`useState\` and logs to the console, which the arena shows under the preview.`;
    case 'sloppy': {
      const broken = breakProgram(pick('javascript'), prompt);
      return `Quick answer, should work:

\`\`\`js
${broken.code}
\`\`\``;
    }
  }
}

/**
 * A demo model's answer to a follow-up, in character: the sloppy one fixes what it broke; the others revise
 * the program they wrote for the first prompt so that it acknowledges what was asked (and prints it).
 */
export function demoFollowup(style: DemoStyle, firstPrompt: string, followup: string, turn: number): string {
  const asked = JSON.stringify(followup.slice(0, 200));
  if (style === 'sloppy') {
    // Asked for another language: the careful version of the program it broke, in that language.
    const language = requestedLanguage(firstPrompt);
    if (language && language !== 'javascript')
      return `You're right, sorry — here is the fixed version:\n\n${demoAnswer('javascript', firstPrompt)}`;
    const topic = TOPICS.find((t) => t.keywords.test(firstPrompt));
    const fixed = (topic ?? GENERIC).javascript.replaceAll('REQUEST', JSON.stringify(firstPrompt.slice(0, 300)));
    return `You're right, sorry — here is the fixed version:

\`\`\`js
${fixed}
console.log('revision ${turn}:', ${asked});
\`\`\``;
  }
  const answer = demoAnswer(style, firstPrompt);
  const revised = answer.replace(/```(typescript|javascript|python|jsx)\n/, (fence, lang: string) => {
    switch (lang) {
      case 'python':
        return `${fence}print("revision ${turn}:", ${asked})\n`;
      case 'jsx':
        return `${fence}const REVISION = ${asked.replaceAll('`', "'")};\n`;
      default:
        return `${fence}console.log('revision ${turn}:', ${asked});\n`;
    }
  });
  const shown = style === 'react' ? revised.replace('<h1 ', '<p>{REVISION}</p>\n      <h1 ') : revised;
  return `Revised for your follow-up (${asked}):\n\n${shown}`;
}
