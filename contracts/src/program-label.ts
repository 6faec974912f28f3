import type { Environment } from './environments.js';
import type { RunPreviewState } from './battle.js';

/** Python's web frameworks and desktop toolkits, by the module an answer imports, in the order they are named. */
const PYTHON_KINDS: readonly (readonly [RegExp, string])[] = [
  [/^\s*(?:from|import)\s+streamlit\b/m, 'Streamlit'],
  [/^\s*(?:from|import)\s+gradio\b/m, 'Gradio'],
  [/^\s*(?:from|import)\s+pygame\b/m, 'PyGame'],
  [/^\s*(?:from|import)\s+flask\b/m, 'Flask'],
  [/^\s*(?:from|import)\s+fastapi\b/m, 'FastAPI'],
  [/^\s*(?:from|import)\s+dash\b/m, 'Dash'],
  [/^\s*(?:from|import)\s+bottle\b/m, 'Bottle'],
  [/^\s*(?:from|import)\s+aiohttp\b/m, 'aiohttp'],
  [/^\s*(?:from|import)\s+tornado\b/m, 'Tornado'],
  [/^\s*(?:from|import)\s+[Tt]kinter\b/m, 'tkinter'],
  [/^\s*(?:from|import)\s+turtle\b/m, 'turtle'],
  [
    /^\s*(?:from|import)\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*(?:http\.server|socketserver|wsgiref)\b/m,
    'Python web server',
  ],
];

/**
 * What a program is, for a pane's header: the framework or toolkit of an app or a display (`Streamlit`, `Gradio`,
 * `Flask`, `FastAPI`, `PyGame`, `tkinter`, `Express`, `Node.js server`…), else its language. The environment
 * decides first (a `streamlit` program is Streamlit), then the imports of a program whose run is an app or a
 * display, or that imports one of them (before its run ends).
 */
export function programLabel(
  code: { environment: Environment; language: string; code: string },
  preview?: RunPreviewState,
): string {
  switch (code.environment) {
    case 'streamlit':
      return 'Streamlit';
    case 'gradio':
      return 'Gradio';
    case 'pygame':
      return 'PyGame';
    case 'python':
      return PYTHON_KINDS.find(([imports]) => imports.test(code.code))?.[1] ?? code.language;
    case 'javascript':
    case 'typescript':
      if (/(?:\brequire\s*\(\s*|\bfrom\s+)['"]express['"]/.test(code.code)) return 'Express';
      if (preview?.kind === 'app') return 'Node.js server';
      return code.language;
    case 'bash':
    case 'c':
    case 'cpp':
    case 'go':
    case 'java':
    case 'rust':
    case 'html':
    case 'react':
    case 'vue':
    case 'svg':
    case 'mermaid':
    case 'none':
      return code.language;
  }
}
