import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { OutputGate } from '../output.js';
import type { RunLimits } from '../types.js';
import { readCgroupUsage } from './cgroup.js';
import { DockerDemuxer, MarkerSplitter } from './demux.js';
import { EXIT_SIGKILL, type Outcome } from './exit-status.js';
import { SANDBOX_ENV, type Recipe } from './recipes.js';
import { SANDBOX_USER } from './sandbox-container.js';
import { driverCommand } from './shell-driver.js';
import type { Warm } from './warm-pool.js';

/** How long a run may go on producing output after its main process exited (children holding stdout). */
const AFTER_EXIT_GRACE_MS = 150;
const POLL_MS = 100;

/** One program to run in a container the pool handed out. */
export interface ContainerRun {
  warm: Warm;
  recipe: Recipe;
  /** The files, encoded (`encodeFiles`). */
  words: string[];
  limits: RunLimits;
  /** The container's memory limit: the run's, raised to the recipe's minimum. */
  memoryMb: number;
  /** When the wall-clock budget runs out (`performance.now()` time). */
  deadline: number;
  gate: OutputGate;
  /** The gate's kill switch: set here to stop this run at the output limit. */
  gateKill: { kill: () => void };
  signal: AbortSignal | undefined;
  /** The engine runs on this machine, so the container's cgroup can be read directly. */
  local: boolean;
}

/**
 * Run one program in its container: start the driver (or hand the armed one its job), stream stdout and
 * stderr through the gate (the compile step's output is what comes on stderr before the run's marker),
 * stop at the wall-clock limit, the output limit or cancellation, and read how it ended: exit code, OOM
 * kill, and for a local engine the CPU time and peak memory. The caller removes the container afterwards.
 */
export async function runInContainer(run: ContainerRun): Promise<Outcome> {
  const { warm, recipe, words, limits, memoryMb, deadline, gate, gateKill, signal } = run;
  const { container } = warm;
  const marker = `\u0001arena-${randomBytes(12).toString('hex')}\u0002`;
  const outcome: Outcome = { compiled: false, oomKilled: false };
  let stream: Duplex | undefined;
  let poll: NodeJS.Timeout | undefined;
  let wall: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const cpuSeconds = Math.max(1, Math.ceil(limits.cpuMs / 1000));
    const armed = recipe.armed ? warm.armed : undefined;
    // A run of another language closes the waiting driver's stdin: it exits without a trace.
    if (!armed) warm.armed?.stream.end();
    const exec =
      armed?.exec ??
      (await container.exec({
        Cmd: driverCommand(recipe, marker, cpuSeconds, words),
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: false,
        Tty: false,
        User: SANDBOX_USER,
        WorkingDir: '/sandbox',
        Env: [...SANDBOX_ENV],
      }));
    const attached = armed?.stream ?? (await exec.start({ hijack: true, stdin: false }));
    stream = attached;
    const splitter = new MarkerSplitter(Buffer.from(marker), limits.outputBytes, (data) => {
      gate.writeBytes('stderr', data);
    });
    const demux = new DockerDemuxer((which, data) => {
      if (which === 'stdout') gate.writeBytes('stdout', data);
      else splitter.push(data);
    });
    let finished = false;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        if (finished) return;
        finished = true;
        resolve();
      };
      const stop = (reason: NonNullable<Outcome['killedFor']>): void => {
        outcome.killedFor ??= reason;
        container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
        attached.destroy();
        done();
      };
      gateKill.kill = () => stop('output_limit');
      wall = setTimeout(() => stop('timeout'), Math.max(0, deadline - performance.now()));
      if (signal) {
        onAbort = () => stop('cancelled');
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      attached.on('data', (chunk: Buffer) => demux.push(chunk));
      if (armed) attached.write(`${JSON.stringify([marker, cpuSeconds, ...words])}\n`);
      attached.on('end', done);
      attached.on('close', done);
      attached.on('error', done);
      // The main process may exit while children it left behind hold stdout open: end the run then.
      let exitedAt: number | undefined;
      poll = setInterval(() => {
        exec
          .inspect()
          .then((info) => {
            if (info.Running) return;
            exitedAt ??= performance.now();
            if (performance.now() - exitedAt >= AFTER_EXIT_GRACE_MS) {
              attached.destroy();
              done();
            }
          })
          .catch(() => undefined);
      }, POLL_MS);
    });
    clearInterval(poll);
    clearTimeout(wall);
    if (!splitter.seen) splitter.flush();
    outcome.compiled = splitter.seen;
    if (!outcome.killedFor) {
      const info = await exec.inspect();
      if (typeof info.ExitCode === 'number') outcome.exitCode = info.ExitCode;
      if (outcome.exitCode === EXIT_SIGKILL) {
        const state = await container.inspect().catch(() => undefined);
        outcome.oomKilled = state?.State.OOMKilled === true;
      }
      if (run.local) {
        const usage = await readCgroupUsage(container.id);
        if (usage.cpuMs !== undefined) outcome.cpuMs = usage.cpuMs;
        if (usage.peakMemoryBytes !== undefined) outcome.peakMemoryBytes = usage.peakMemoryBytes;
        const nearLimit = (usage.peakMemoryBytes ?? 0) >= memoryMb * 1024 * 1024 * 0.95;
        if (outcome.exitCode === EXIT_SIGKILL && ((usage.memoryLimitHits ?? 0) > 0 || nearLimit))
          outcome.oomKilled = true;
      }
    }
    return outcome;
  } finally {
    clearInterval(poll);
    clearTimeout(wall);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    stream?.destroy();
  }
}
