import { ENVIRONMENTS, type Environment, type Isolation, type RunnerKind } from '@arena/contracts';
import type { LiveApps } from './docker/apps/live-apps.js';
import { DockerRunner, type DockerRunnerOptions } from './docker/docker.runner.js';
import { IsolatedVmRunner, type IsolatedVmRunnerOptions } from './isolated-vm/isolated-vm.runner.js';
import { PyodideRunner, type PyodideRunnerOptions } from './pyodide/pyodide.runner.js';
import type { RunOptions, RunRequest, RunResult, Runner } from './types.js';
import { WebPreviewRunner } from './web/web-preview.runner.js';

export interface SandboxRegistryOptions {
  isolatedVm?: IsolatedVmRunnerOptions;
  /** Docker engines; `false` never uses Docker. */
  docker?: DockerRunnerOptions | false;
  /** Python without Docker; `false` turns it off. */
  pyodide?: PyodideRunnerOptions | false;
}

const UNSUPPORTED_MESSAGE: Partial<Record<Environment, string>> = {
  none: 'no runnable code was found in the answer',
  streamlit: 'Streamlit apps run as live apps in Docker, and no local Docker engine is available',
  gradio: 'Gradio apps run as live apps in Docker, and no local Docker engine is available',
  pygame: 'PyGame programs run on a virtual display in Docker, and no local Docker engine is available',
};

/** JavaScript that needs Node.js itself (modules, process, the file system) rather than a bare V8 isolate. */
const NEEDS_NODE =
  /\brequire\s*\(|\bfrom\s+['"](?:node:|fs|path|os|child_process|http|https|net|readline|crypto|util|events|stream|worker_threads|url|zlib|buffer|assert|process)\b|\bimport\s*\(\s*['"]node:|\bprocess\s*\.\s*(?:stdin|stdout|stderr|argv|env|exit|on|nextTick|hrtime|memoryUsage)\b|\b__dirname\b|\bBuffer\s*\./;

/**
 * Picks the runner for each program: isolated-vm for plain JavaScript and TypeScript, Docker for the other
 * languages and for JavaScript that needs Node.js, Pyodide for Python when no Docker engine answers.
 * Environments with no runner end with `unsupported` and a reason.
 */
export class SandboxRegistry {
  readonly isolatedVm: IsolatedVmRunner;
  readonly docker?: DockerRunner;
  readonly pyodide?: PyodideRunner;
  readonly web = new WebPreviewRunner();
  private dockerUp = false;
  private started?: Promise<void>;

  constructor(options: SandboxRegistryOptions = {}) {
    this.isolatedVm = new IsolatedVmRunner(options.isolatedVm);
    if (options.docker !== false) this.docker = new DockerRunner(options.docker ?? {});
    if (options.pyodide !== false) this.pyodide = new PyodideRunner(options.pyodide ?? {});
  }

  /** The live apps (programs that serve) of the Docker runner, when there is one and apps are on. */
  get apps(): LiveApps | undefined {
    return this.docker?.apps;
  }

  /** Find out which Docker hosts answer (and warm their pools); runs until then use what is known. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.dockerUp = (await this.docker?.start()) ?? false;
    })();
    return this.started;
  }

  /** The runner for an environment (and, for JavaScript, the code: Node APIs go to Docker when it is up). */
  runnerFor(environment: Environment, code = '', app = true): Runner | undefined {
    if (environment === 'javascript' || environment === 'typescript') {
      if (this.dockerUp && this.docker && (NEEDS_NODE.test(code) || (app && this.docker.servesApp(environment, code))))
        return this.docker;
      return this.isolatedVm;
    }
    if (this.web.supports(environment)) return this.web;
    if (this.dockerUp && this.docker?.supports(environment)) return this.docker;
    if (environment === 'python' && this.pyodide) return this.pyodide;
    return undefined;
  }

  /** Which runner serves each environment, for `/api/health`. */
  describe(): Record<string, RunnerKind> {
    return this.perEnvironment((runner) => runner?.kind ?? 'unavailable');
  }

  /** How strongly each environment's runner isolates, for `/api/health`. */
  isolation(): Record<string, Isolation> {
    return this.perEnvironment((runner) => runner?.isolation ?? 'none');
  }

  private perEnvironment<T>(pick: (runner: Runner | undefined) => T): Record<string, T> {
    const out: Record<string, T> = {};
    for (const environment of ENVIRONMENTS)
      if (environment !== 'none') out[environment] = pick(this.runnerFor(environment));
    return out;
  }

  dockerHosts(): { name: string; available: boolean; error?: string }[] {
    return (this.docker?.describeHosts() ?? []).map(({ name, available, error }) => ({
      name,
      available,
      ...(error ? { error } : {}),
    }));
  }

  async run(request: RunRequest, options: RunOptions = {}): Promise<RunResult> {
    await this.start();
    const runner = this.runnerFor(request.environment, request.code, request.app !== false);
    if (!runner) {
      const message =
        UNSUPPORTED_MESSAGE[request.environment] ??
        `${request.environment} code cannot run on this arena: no sandbox for it is available (Docker is not reachable)`;
      options.onOutput?.({ stream: 'stderr', data: `${message}\n` });
      return { status: 'unsupported', durationMs: 0, message, runner: 'unavailable' };
    }
    return runner.run(request, options);
  }

  /** Start the isolated-vm workers and the Docker pools; load Pyodide ahead only when it will serve Python. */
  async warm(): Promise<void> {
    await Promise.all([this.isolatedVm.warm(), this.start()]);
    if (this.runnerFor('python') === this.pyodide) await this.pyodide?.warm();
  }

  async close(): Promise<void> {
    await Promise.all([this.isolatedVm.close(), this.docker?.close(), this.pyodide?.close()]);
  }
}
