import { configureTransforms, parseDockerHosts, SandboxRegistry } from '@arena/sandboxes';
import type { ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';

let compilersConfigured = false;

/**
 * JS/TS, React and Vue are compiled in limited worker processes (a hostile program costs only its run); the
 * process-wide compiler pool is set up once, with its workers' deaths logged (several arenas in one process,
 * as in tests, share it: replacing it would close the one the first arena's runners hold).
 */
function configureCompilers(logger: ReturnType<typeof createLogger>): void {
  if (compilersConfigured) return;
  compilersConfigured = true;
  configureTransforms({
    onWorkerEvent: (event) => {
      // A compiler killed by its limits or its clock ended one hostile (or huge) program: worth a look.
      logger[event.kind === 'spawn' ? 'debug' : 'warn'](
        { ...event, runner: 'transform' },
        `compiler worker ${event.kind}`,
      );
    },
  });
}

/** The sandboxes as configured (Docker hosts, pool, Pyodide, isolated-vm workers), for the server and the CLI. */
export function createSandboxRegistry(config: ArenaConfig, options: { poolSize?: number } = {}): SandboxRegistry {
  const logger = createLogger('Sandboxes');
  const log = (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void =>
    logger[level](fields, message);
  configureCompilers(logger);
  return new SandboxRegistry({
    docker: config.docker.hosts
      ? {
          hosts: parseDockerHosts(config.docker.hosts),
          image: config.docker.image,
          poolSize: options.poolSize ?? config.docker.poolSize,
          ...(config.docker.reuse ? {} : { reuse: false as const }),
          defaults: config.runLimits,
          log,
          apps: config.apps,
        }
      : false,
    pyodide: config.pyodide ? { defaults: config.runLimits, log } : false,
    isolatedVm: {
      ...(config.sandboxWorkers ? { size: config.sandboxWorkers } : {}),
      defaults: config.runLimits,
      onWorkerEvent: (event) => {
        // An exit we did not ask for (a crash, a bad runtime) is worth an operator's attention.
        const unexpected = event.kind === 'exit' && !/signal=SIGKILL/.test(event.reason ?? '');
        logger[unexpected ? 'warn' : 'debug']({ ...event, runner: 'isolated-vm' }, `sandbox worker ${event.kind}`);
      },
    },
  });
}
