import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ENVIRONMENTS, Environment } from '@arena/contracts';
import type { ArenaConfig } from '../../config/config.js';
import { createSandboxRegistry } from '../../sandboxes/sandbox-registry.factory.js';
import { UsageError } from '../usage.js';

const LANGUAGE_ALIASES: Record<string, string> = {
  py: 'python',
  python3: 'python',
  'c++': 'cpp',
  cxx: 'cpp',
  js: 'javascript',
  node: 'javascript',
  ts: 'typescript',
  sh: 'bash',
  shell: 'bash',
  golang: 'go',
  rs: 'rust',
};

/** `arena sandbox run`: one program through the runner the arena would pick, output streamed as it comes. */
export async function sandbox(args: string[], config: ArenaConfig): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run')
    throw new UsageError('usage: arena sandbox run --language L FILE [--stdin FILE] [--figures DIR] [--json]');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      language: { type: 'string', short: 'l' },
      stdin: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'memory-mb': { type: 'string' },
      json: { type: 'boolean', default: false },
      figures: { type: 'string' },
    },
    strict: true,
  });
  const language = values.language?.toLowerCase();
  const environment = Environment.safeParse(language ? (LANGUAGE_ALIASES[language] ?? language) : undefined);
  if (!environment.success || environment.data === 'none')
    throw new UsageError(`--language must be one of ${ENVIRONMENTS.filter((e) => e !== 'none').join(', ')}`);
  if (positionals.length !== 1) throw new UsageError('give exactly one program FILE');
  const positive = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${flag} must be a positive integer`);
    return value;
  };
  const wallMs = positive('--timeout-ms', values['timeout-ms']);
  const memoryMb = positive('--memory-mb', values['memory-mb']);
  const readText = async (file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const code = await readText(positionals[0]!);
  const stdin = values.stdin !== undefined ? await readText(values.stdin) : undefined;
  const figuresDir = values.figures;
  if (figuresDir !== undefined) {
    try {
      await mkdir(figuresDir, { recursive: true });
    } catch (error) {
      throw new UsageError(`cannot make ${figuresDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const registry = createSandboxRegistry(config, { poolSize: 0 });
  let stdout = '';
  let stderr = '';
  // Matplotlib's figures (Python in Docker), saved as they are drawn when --figures names a folder.
  const figures: { index: number; file: string; width: number; height: number }[] = [];
  let saving: Promise<unknown> = Promise.resolve();
  try {
    const result = await registry.run(
      {
        environment: environment.data,
        code,
        ...(stdin !== undefined ? { stdin } : {}),
        limits: {
          ...(wallMs ? { wallMs, cpuMs: Math.max(wallMs, config.runLimits.cpuMs) } : {}),
          ...(memoryMb ? { memoryMb } : {}),
        },
      },
      {
        onOutput: (chunk) => {
          if (values.json) {
            if (chunk.stream === 'stdout') stdout += chunk.data;
            else stderr += chunk.data;
          } else (chunk.stream === 'stdout' ? process.stdout : process.stderr).write(chunk.data);
        },
        onFigure: (figure) => {
          if (figuresDir === undefined) return;
          const file = path.join(figuresDir, `figure-${figure.index}.png`);
          figures.push({ index: figure.index, file, width: figure.width, height: figure.height });
          saving = saving.then(() => writeFile(file, figure.png));
          if (!values.json)
            process.stderr.write(`[figure ${figure.index}: ${file}, ${figure.width}×${figure.height}]\n`);
        },
      },
    );
    await saving;
    if (values.json) {
      const { status, exitCode, durationMs, runner } = result;
      process.stdout.write(
        `${JSON.stringify({ status, exitCode: exitCode ?? null, stdout, stderr, durationMs, runner, message: result.message ?? null, ...(figuresDir !== undefined ? { figures } : {}) })}\n`,
      );
    } else {
      process.stderr.write(
        `[${result.status}${result.exitCode !== undefined ? ` exit ${result.exitCode}` : ''}, ${result.durationMs} ms, ${result.runner}]${result.message && result.status !== 'unsupported' ? ` ${result.message}` : ''}\n`,
      );
    }
    return result.status === 'ok' ? 0 : 1;
  } finally {
    await registry.close();
  }
}
