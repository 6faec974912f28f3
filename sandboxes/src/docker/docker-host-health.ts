import type { DockerHostConfig } from './docker-host.js';

/** One engine as `DockerRunner.describeHosts` reports it. */
export interface DockerHostStatus {
  name: string;
  /** The engine answered and has the image. */
  available: boolean;
  /** Warm containers ready for a run. */
  idle: number;
  /** Runs going on now. */
  inflight: number;
  /** Runs this host has taken, for health and balancing checks. */
  runs: number;
  /** Why the engine is not available. */
  error?: string;
}

/**
 * Whether an engine can run sandboxes: it answers and has the image. Undefined when it can, else the reason
 * (with how to build the image when that is what is missing).
 */
export async function dockerHostProblem(config: DockerHostConfig, image: string): Promise<string | undefined> {
  const { docker } = config;
  try {
    await docker.ping();
    await docker.getImage(image).inspect();
    return undefined;
  } catch (error) {
    const problem = `Docker host ${config.name}: ${(error as Error).message}`;
    return /no such image/i.test(problem)
      ? `${problem} (build it offline with: bash sandboxes/images/build.sh)`
      : problem;
  }
}
