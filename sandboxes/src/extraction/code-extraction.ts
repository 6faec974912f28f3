import type { Environment } from '@arena/contracts';

export interface CodeBlock {
  /** The fence's info string, lower-cased, first word only ('' when none). */
  tag: string;
  code: string;
  /** The answer ended inside this block (a cut-off stream). */
  unterminated: boolean;
}

export interface Extraction {
  environment: Environment;
  /** The language as the answer named it or as detected ('python', 'cpp', 'php', …). */
  language: string;
  code: string;
  installCommand?: string;
  blockCount: number;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})[ \t]*([^\n`]*)$/;

/** Every fenced code block in a markdown answer, in order (CommonMark fences, ``` or ~~~, 3+ long). */
export function parseCodeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  let open: { fence: string; indent: number; tag: string; body: string[] } | undefined;
  for (const line of lines) {
    if (!open) {
      const m = FENCE.exec(line);
      if (m)
        open = {
          fence: m[2]!,
          indent: m[1]!.length,
          tag: (m[3] ?? '')
            .trim()
            .split(/[\s{,]/)[0]!
            .toLowerCase(),
          body: [],
        };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      blocks.push({ tag: open.tag, code: open.body.join('\n'), unterminated: false });
      open = undefined;
      continue;
    }
    open.body.push(open.indent > 0 ? line.replace(new RegExp(`^ {0,${open.indent}}`), '') : line);
  }
  if (open) blocks.push({ tag: open.tag, code: open.body.join('\n'), unterminated: true });
  return blocks.filter((b) => b.code.trim().length > 0);
}

const SHELL_TAGS = new Set([
  'bash',
  'sh',
  'shell',
  'console',
  'zsh',
  'shellscript',
  'terminal',
  'cmd',
  'powershell',
  'ps',
]);
const INSTALL_LINE =
  /^\s*(?:\$\s*)?(?:sudo\s+)?(?:pip3?|python3?\s+-m\s+pip|uv\s+pip|poetry|conda|npm|yarn|pnpm|bun|apt(?:-get)?|brew|cargo|go|gem|composer|dotnet|mvn|gradle)\s+(?:install|add|get|i|require)\b/i;

/** Shell blocks made only of install commands (and comments/cd) are the install step, not the program. */
function installLines(block: CodeBlock): string[] | undefined {
  if (!SHELL_TAGS.has(block.tag) && block.tag !== '') return undefined;
  const lines = block.code
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0 || !lines.every((l) => INSTALL_LINE.test(l))) return undefined;
  return lines.map((l) => l.replace(/^\$\s*/, ''));
}

const TAG_LANGUAGE: Record<string, string> = {
  py: 'python',
  python: 'python',
  python3: 'python',
  py3: 'python',
  js: 'javascript',
  javascript: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  typescript: 'typescript',
  mts: 'typescript',
  jsx: 'jsx',
  tsx: 'tsx',
  react: 'jsx',
  vue: 'vue',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  svg: 'svg',
  mermaid: 'mermaid',
  mmd: 'mermaid',
  c: 'c',
  h: 'c',
  cpp: 'cpp',
  'c++': 'cpp',
  cc: 'cpp',
  cxx: 'cpp',
  hpp: 'cpp',
  java: 'java',
  go: 'go',
  golang: 'go',
  rust: 'rust',
  rs: 'rust',
  bash: 'bash',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  shellscript: 'bash',
};

function detectUntagged(code: string): string {
  if (/^\s*<svg[\s>]/i.test(code)) return 'svg';
  if (/<!doctype html|<html[\s>]/i.test(code)) return 'html';
  if (
    /^\s*(graph|flowchart|sequenceDiagram|classDiagram|stateDiagram|erDiagram|gantt|pie|journey|mindmap)\b/m.test(code)
  )
    return 'mermaid';
  if (/#include\s*<(iostream|vector|string|map|algorithm|bits\/stdc\+\+\.h)>|std::|\bcout\s*<</.test(code))
    return 'cpp';
  if (/#include\s*[<"]/.test(code)) return 'c';
  if (/^\s*package\s+main\b|\bfunc\s+main\s*\(/m.test(code)) return 'go';
  if (/\bfn\s+main\s*\(|\blet\s+mut\b|println!/.test(code)) return 'rust';
  if (/\bpublic\s+(static\s+)?(class|void)\b|System\.out\.print/.test(code)) return 'java';
  if (/^\s*#!.*\b(ba)?sh\b/.test(code)) return 'bash';
  if (
    /^\s*(def|class)\s+\w+.*:\s*$|^\s*(from\s+\S+\s+)?import\s+\w+\s*$|\bprint\(|if __name__ == ['"]__main__['"]/m.test(
      code,
    )
  )
    return 'python';
  if (/<template[\s>]/.test(code) && /<script/.test(code)) return 'vue';
  if (/\binterface\s+\w+\s*{|:\s*(string|number|boolean)\b/.test(code) && /\b(const|let|function)\b/.test(code))
    return 'typescript';
  if (/\b(const|let|var|function)\b|console\.log|=>/.test(code)) return 'javascript';
  return 'text';
}

const REACT = /from\s+['"]react['"]|require\(['"]react['"]\)|React\.|useState\s*\(|<\w+[^>]*\/>|return\s*\(\s*</;
const VUE = /from\s+['"]vue['"]|createApp\s*\(|defineComponent\s*\(|<template[\s>]/;

const PYTHON_FAMILY: ReadonlySet<Environment> = new Set(['python', 'streamlit', 'gradio', 'pygame']);

/**
 * The environment an edited program runs in: within the Python family, what its imports make it (a Python
 * side edited into a Streamlit, Gradio or PyGame program runs as one, and back); any other side keeps its own.
 */
export function environmentOfEdit(environment: Environment, code: string): Environment {
  return PYTHON_FAMILY.has(environment) ? detectEnvironment('python', code).environment : environment;
}

/** BigCodeArena-style environment detection from the fence tag and the content. */
export function detectEnvironment(tag: string, code: string): { environment: Environment; language: string } {
  const language =
    TAG_LANGUAGE[tag] ?? (tag === '' || tag === 'text' || tag === 'plaintext' ? detectUntagged(code) : tag);
  switch (language) {
    case 'python':
      if (/^\s*(import\s+streamlit|from\s+streamlit\s+import)/m.test(code))
        return { environment: 'streamlit', language };
      if (/^\s*(import\s+gradio|from\s+gradio\s+import)/m.test(code)) return { environment: 'gradio', language };
      if (/^\s*(import\s+pygame|from\s+pygame\s+import)/m.test(code)) return { environment: 'pygame', language };
      return { environment: 'python', language };
    case 'javascript':
    case 'typescript':
      if (REACT.test(code) && /from\s+['"]react['"]|React\./.test(code)) return { environment: 'react', language };
      if (VUE.test(code) && /from\s+['"]vue['"]/.test(code)) return { environment: 'vue', language };
      return { environment: language, language };
    case 'jsx':
    case 'tsx':
      return { environment: 'react', language: language === 'tsx' ? 'typescript' : 'javascript' };
    case 'vue':
      return { environment: 'vue', language };
    case 'html':
      if (/^\s*<svg[\s>]/i.test(code) && !/<html/i.test(code)) return { environment: 'svg', language: 'svg' };
      return { environment: 'html', language };
    case 'svg':
    case 'mermaid':
    case 'c':
    case 'cpp':
    case 'java':
    case 'go':
    case 'rust':
    case 'bash':
      return { environment: language, language };
    default:
      return { environment: 'none', language };
  }
}

/**
 * The program in an answer: the longest fenced block that is not an install step (shell blocks of
 * install commands become the install command); with no block at all, nothing runs.
 */
export function extractCode(markdown: string): Extraction | undefined {
  const blocks = parseCodeBlocks(markdown);
  if (blocks.length === 0) return undefined;
  const install: string[] = [];
  const programs: CodeBlock[] = [];
  for (const block of blocks) {
    const lines = installLines(block);
    if (lines) install.push(...lines);
    else programs.push(block);
  }
  const nonShell = programs.filter((b) => !SHELL_TAGS.has(b.tag));
  const pool = nonShell.length > 0 ? nonShell : programs;
  if (pool.length === 0) return undefined;
  const main = pool.reduce((best, b) => (b.code.length > best.code.length ? b : best));
  const { environment, language } = detectEnvironment(main.tag, main.code);
  const extraction: Extraction = { environment, language, code: main.code, blockCount: blocks.length };
  if (install.length > 0) extraction.installCommand = install.join('\n');
  return extraction;
}
