import { transform } from 'esbuild';
import type { Environment } from '@arena/contracts';
import { describeBuildError } from '../build-errors.js';

export type Prepared = { ok: true; code: string; sourceType: 'script' | 'module' } | { ok: false; error: string };

const MODULE_SYNTAX = /^\s*(import\s*[\w*{'"]|export\s)/m;
const TOP_LEVEL_AWAIT = /^(?:\s*(?:const|let|var)\s+[\w{}[\],\s]+=\s*)?await\s/m;

/** TypeScript is transpiled on the host (never inside the isolate); module syntax decides script vs module. */
export async function transpileForIsolate(code: string, environment: Environment): Promise<Prepared> {
  const typescript = environment === 'typescript';
  let output = code;
  try {
    // TypeScript is transpiled; JavaScript is only parsed, so a syntax error is a compile error everywhere.
    const result = await transform(code, {
      loader: typescript ? 'ts' : 'js',
      ...(typescript ? { format: 'esm' as const } : {}),
      target: 'es2023',
      sourcefile: typescript ? 'main.ts' : 'main.js',
    });
    if (typescript) output = result.code;
  } catch (error) {
    const text = describeBuildError(error, typescript ? 'main.ts' : 'main.js', typescript ? 'error' : 'SyntaxError');
    return { ok: false, error: `${text}\n` };
  }
  const sourceType = MODULE_SYNTAX.test(output) || TOP_LEVEL_AWAIT.test(output) ? 'module' : 'script';
  return { ok: true, code: output, sourceType };
}
