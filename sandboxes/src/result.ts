import type { RunnerKind, RunStatus } from '@arena/contracts';
import { checkInstall, type PackageManifest } from './install.js';
import type { RunOptions, RunResult } from './types.js';

export type PartialResult = Omit<RunResult, 'durationMs' | 'runner'>;

/**
 * The clock and the common endings of one run, shared by every runner: `finish` stamps the duration and
 * the runner, `say` ends the run with a message that is also printed on stderr, and `refuseMissing` ends
 * it `unsupported` when the answer's install block asks for packages the sandbox lacks.
 */
export function runEnding(runner: RunnerKind, options: RunOptions) {
  const started = performance.now();
  const finish = (partial: PartialResult): RunResult => ({
    ...partial,
    durationMs: Math.round(performance.now() - started),
    runner,
  });
  const say = (status: RunStatus, message: string): RunResult => {
    options.onOutput?.({ stream: 'stderr', data: `${message}\n` });
    return finish({ status, message });
  };
  const refuseMissing = (
    installCommand: string | undefined,
    manifest: PackageManifest,
    where: string,
  ): RunResult | undefined => {
    if (!installCommand) return undefined;
    const check = checkInstall(installCommand, manifest, where);
    return check.ok ? undefined : say('unsupported', check.message ?? 'missing packages');
  };
  return { finish, say, refuseMissing };
}
