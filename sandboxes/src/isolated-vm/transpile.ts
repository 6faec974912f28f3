import type { Environment } from '@arena/contracts';
import { describeBuildError } from '../build-errors.js';
import { sharedTransformService, type TransformService } from '../transform/transform-service.js';

export type Prepared = { ok: true; code: string; sourceType: 'script' | 'module' } | { ok: false; error: string };

const MODULE_SYNTAX = /^\s*(import\s*[\w*{'"]|export\s)/m;
const TOP_LEVEL_AWAIT = /^(?:\s*(?:const|let|var)\s+[\w{}[\],\s]+=\s*)?await\s/m;

/**
 * TypeScript is transpiled on the host (never inside the isolate), by esbuild in a contained worker
 * process; module syntax decides script vs module.
 */
export async function transpileForIsolate(
  code: string,
  environment: Environment,
  transforms: TransformService = sharedTransformService(),
): Promise<Prepared> {
  const typescript = environment === 'typescript';
  const file = typescript ? 'main.ts' : 'main.js';
  // TypeScript is transpiled; JavaScript is only parsed, so a syntax error is a compile error everywhere.
  const reply = await transforms.run({
    op: 'transform',
    code,
    loader: typescript ? 'ts' : 'js',
    ...(typescript ? { format: 'esm' as const } : {}),
    target: 'es2023',
    sourcefile: file,
    checkOnly: !typescript,
  });
  if (!reply.ok)
    return { ok: false, error: `${describeBuildError(reply, file, typescript ? 'error' : 'SyntaxError')}\n` };
  const output = typescript ? reply.value.code : code;
  const sourceType = MODULE_SYNTAX.test(output) || TOP_LEVEL_AWAIT.test(output) ? 'module' : 'script';
  return { ok: true, code: output, sourceType };
}
