import type { EvalLanguage } from './eval-task.js';

/**
 * Just enough reading of source text to put an answer and a task's tests together: which functions a text
 * defines, and where a braced block ends (strings, characters and comments skipped). Not a parser: it is
 * used on one function-sized answer at a time, and a miss shows up as a compile error, not a wrong pass.
 */

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'sizeof', 'else', 'do', 'new', 'main']);

const DEFINITIONS: Record<EvalLanguage, RegExp[]> = {
  python: [/^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(/gm],
  javascript: [
    /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(/g,
    /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)/g,
  ],
  typescript: [
    /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*[<(]/g,
    /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=;]+)?=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*(?::[^=;]+)?=>|[A-Za-z_$][\w$]*\s*=>)/g,
  ],
  // A name, a parameter list without braces (one level of nested parentheses), optional const/throws, then `{`.
  cpp: [/([A-Za-z_]\w*)\s*\((?:[^;{}()]|\([^()]*\))*\)\s*(?:const\s*)?(?:noexcept\s*)?\{/g],
  java: [/([A-Za-z_]\w*)\s*\((?:[^;{}()]|\([^()]*\))*\)\s*(?:throws\s+[\w.,\s]+)?\{/g],
  go: [/\bfunc\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[[(]/g],
  rust: [/\bfn\s+([A-Za-z_]\w*)\s*[<(]/g],
};

/** The functions a text defines, in order of appearance (`main` and control keywords left out). */
export function functionNames(language: EvalLanguage, code: string): string[] {
  const found: { name: string; at: number }[] = [];
  for (const pattern of DEFINITIONS[language])
    for (const m of code.matchAll(pattern)) if (!KEYWORDS.has(m[1]!)) found.push({ name: m[1]!, at: m.index });
  return found.sort((a, b) => a.at - b.at).map((f) => f.name);
}

/** The last function a prompt declares: the one HumanEval-style prompts leave for the model to write. */
export function lastFunctionName(language: EvalLanguage, code: string): string | undefined {
  return functionNames(language, code).at(-1);
}

/** Whether a text defines the function `name` (a complete answer) rather than only continuing its body. */
export function definesFunction(language: EvalLanguage, code: string, name: string): boolean {
  return functionNames(language, code).includes(name);
}

/**
 * Where the block opened by the `{` at `open` closes (the index of its `}`), or -1 when it never does.
 * Skips string and character literals and comments; Go and JavaScript raw/template strings and Rust
 * lifetimes are told apart from quotes.
 */
export function matchingBrace(language: EvalLanguage, code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      const end = code.indexOf('\n', i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 1;
    } else if (c === '"' || c === '`' || (c === "'" && !(language === 'rust' && isLifetime(code, i)))) {
      // Go's and JavaScript's backquoted strings, and every quoted literal: to the same quote, past escapes.
      const raw = c === '`' && language === 'go';
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += !raw && code[j] === '\\' ? 2 : 1;
      i = j;
    } else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** A Rust `'` that starts a lifetime (`'a`, `'static`) rather than a character literal (`'a'`, `'\n'`). */
function isLifetime(code: string, at: number): boolean {
  if (code[at + 1] === '\\') return false;
  const char = code.codePointAt(at + 1);
  const width = char !== undefined && char > 0xffff ? 2 : 1;
  return code[at + 1 + width] !== "'";
}

/**
 * The text without every block whose head matches `head` (the head's match through its closing brace):
 * an answer's own `main`, which would clash with the tests' one. A head with no closing brace is left.
 */
export function removeBlocks(language: EvalLanguage, code: string, head: RegExp): string {
  const pattern = new RegExp(head.source, head.flags.includes('g') ? head.flags : `${head.flags}g`);
  let out = '';
  let from = 0;
  for (const m of code.matchAll(pattern)) {
    if (m.index < from) continue;
    const open = code.indexOf('{', m.index + m[0].length - 1);
    const close = open < 0 ? -1 : matchingBrace(language, code, open);
    if (close < 0) continue;
    out += code.slice(from, m.index);
    from = close + 1;
  }
  return out + code.slice(from);
}

/** The tests without the line that opens them by closing the prompt's function (MultiPL-E's leading `}`). */
export function dropLeadingBrace(tests: string): string {
  return tests.replace(/^\s*\}[ \t]*\n?/, '');
}
