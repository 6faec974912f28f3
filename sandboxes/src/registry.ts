import { ENVIRONMENTS, type Environment, type RunnerKind } from '@arena/contracts';
import { IsolatedVmRunner, type IsolatedVmRunnerOptions } from './isolated-vm/isolated-vm.runner.js';
import type { RunOptions, RunRequest, RunResult, Runner } from './types.js';

export interface SandboxRegistryOptions {
  isolatedVm?: IsolatedVmRunnerOptions;
}

/** Web environments become a preview in the browser (next issue); until then they are unsupported here. */
const UNSUPPORTED_MESSAGE: Partial<Record<Environment, string>> = {
  none: 'no runnable code was found in the answer',
};

/** Picks the runner for an environment; environments with no runner end with `unsupported` and a reason. */
export class SandboxRegistry {
  private readonly runners: Runner[];

  constructor(options: SandboxRegistryOptions = {}) {
    this.runners = [new IsolatedVmRunner(options.isolatedVm)];
  }

  runnerFor(environment: Environment): Runner | undefined {
    return this.runners.find((runner) => runner.supports(environment));
  }

  /** Which runner serves each environment, for `/api/health`. */
  describe(): Record<string, RunnerKind> {
    const out: Record<string, RunnerKind> = {};
    for (const environment of ENVIRONMENTS) {
      if (environment === 'none') continue;
      out[environment] = this.runnerFor(environment)?.kind ?? 'unavailable';
    }
    return out;
  }

  async run(request: RunRequest, options: RunOptions = {}): Promise<RunResult> {
    const runner = this.runnerFor(request.environment);
    if (!runner) {
      const message =
        UNSUPPORTED_MESSAGE[request.environment] ??
        `${request.environment} code cannot run on this arena yet: no sandbox for it is configured`;
      options.onOutput?.({ stream: 'stderr', data: `${message}\n` });
      return { status: 'unsupported', durationMs: 0, message, runner: 'unavailable' };
    }
    return runner.run(request, options);
  }

  async warm(): Promise<void> {
    await Promise.all(this.runners.flatMap((runner) => (runner instanceof IsolatedVmRunner ? [runner.warm()] : [])));
  }

  async close(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.close()));
  }
}
