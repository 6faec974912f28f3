import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { OutputGate } from '../output.js';
import type { OutputStream, RunLimits, RunOptions } from '../types.js';
import { readCgroupUsage, runUsage } from './cgroup.js';
import { DockerDemuxer, MarkerSplitter } from './demux.js';
import { FIGURE_CAPS, FigureSplitter, figurePrefix } from './figures.js';
import { cpuLimitSeconds, EXIT_SIGKILL, EXIT_SIGXCPU, type Outcome } from './exit-status.js';
import { armedJob, type Recipe } from './recipes.js';
import { sandboxExec } from './sandbox-container.js';
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
  /** When the wall-clock budget runs out (`performance.now()` time). */
  deadline: number;
  gate: OutputGate;
  /** The gate's kill switch: set here to stop this run at the output limit. */
  gateKill: { kill: () => void };
  signal: AbortSignal | undefined;
  /** The engine runs on this machine, so the container's cgroup can be read directly. */
  local: boolean;
  /** Where the program's figures go (they are taken out of stdout either way). */
  onFigure?: RunOptions['onFigure'];
}

/**
 * Run one program in its container: start the driver (or hand the armed one its job), stream stdout and
 * stderr through the gate (the compile step's output is what comes on stderr before the run's marker),
 * stop at the wall-clock limit, the output limit or cancellation, and read how it ended: exit code, OOM
 * kill, and for a local engine the CPU time and peak memory (a reused container's: this run's share). The
 * caller releases the container afterwards (removed, or reset for another run).
 */
export async function runInContainer(run: ContainerRun): Promise<Outcome> {
  const { warm, recipe, words, limits, deadline, gate, gateKill, signal } = run;
  const { container } = warm;
  const marker = `\u0001arena-${randomBytes(12).toString('hex')}\u0002`;
  const outcome: Outcome = { compiled: false };
  let stream: Duplex | undefined;
  let poll: NodeJS.Timeout | undefined;
  let wall: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const cpuSeconds = cpuLimitSeconds(limits);
    const armed = recipe.armed ? warm.armed : undefined;
    // A run of another language closes the waiting driver's stdin: it exits without a trace.
    if (!armed && warm.armed) {
      if ('stream' in warm.armed) warm.armed.stream.end();
      else warm.supervisor?.closeDriver();
    }
    const supervisor = armed && 'supervised' in armed ? warm.supervisor : undefined;
    const execArmed = armed && 'stream' in armed ? armed : undefined;
    const exec = supervisor
      ? undefined
      : (execArmed?.exec ?? (await sandboxExec(container, driverCommand(recipe, marker, cpuSeconds, words))));
    const attached = execArmed?.stream ?? (await exec?.start({ hijack: true, stdin: false }));
    stream = attached;
    const splitter = new MarkerSplitter(Buffer.from(marker), limits.outputBytes, (data) => {
      gate.writeBytes('stderr', data);
    });
    // The container's CPU time when the program started: what it used after is what its `ulimit -t` counts.
    let cpuAtMarker: Promise<number | undefined> | undefined;
    const figures = new FigureSplitter(
      Buffer.from(figurePrefix(marker)),
      FIGURE_CAPS,
      (data) => gate.writeBytes('stdout', data),
      (figure) => run.onFigure?.(figure),
    );
    const onFrame = (which: OutputStream, data: Buffer): void => {
      if (which === 'stdout') figures.push(data);
      else splitter.push(data);
      if (splitter.seen && run.local) cpuAtMarker ??= readCgroupUsage(container.id).then((usage) => usage.cpuMs);
    };
    const demux = new DockerDemuxer(onFrame);
    // An armed driver starts the program as soon as it reads its job, with nothing to compile: the CPU time is
    // read before the job is sent. Read when the marker reaches this process, it can come after the program
    // used its whole limit: on a busy machine the container may get a core while this process waits for one
    // (a CPU time-out was then judged a runtime error).
    if (armed && run.local) {
      const before = (await readCgroupUsage(container.id)).cpuMs;
      cpuAtMarker = Promise.resolve(before);
    }
    const job = armedJob(marker, cpuSeconds, words);
    let exited: { code?: number; error?: Error } | undefined;
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
        attached?.destroy();
        done();
      };
      gateKill.kill = () => stop('output_limit');
      wall = setTimeout(() => stop('timeout'), Math.max(0, deadline - performance.now()));
      if (signal) {
        onAbort = () => stop('cancelled');
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      if (supervisor) {
        // The supervisor frames the driver's output and says how it ended, grace for its children included.
        supervisor
          .run(job, (which, data) => onFrame(which, data))
          .then(
            (code) => {
              exited = { code };
              done();
            },
            (error: unknown) => {
              exited = { error: error instanceof Error ? error : new Error(String(error)) };
              done();
            },
          );
        return;
      }
      if (!attached || !exec) return done();
      attached.on('data', (chunk: Buffer) => demux.push(chunk));
      // A driver armed ahead of the run waits paused until the run listens.
      attached.resume();
      if (armed) attached.write(job);
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
    figures.flush();
    outcome.compiled = splitter.seen;
    if (!outcome.killedFor) {
      if (exited) {
        if (exited.error) {
          // The supervisor broke. Memory the program holds outside any process (tmpfs, memfds, kernel objects)
          // can leave the supervisor the largest process, and the OOM killer's pick: then the run ended for
          // memory, with no exit code (`verdict`), and its container is removed. Otherwise the run is the
          // sandbox's failure. The cgroup is gone with the container: the engine says.
          if (!(await endedByOomKill(container))) throw exited.error;
          outcome.oomKilled = true;
          return outcome;
        }
        if (exited.code !== undefined) outcome.exitCode = exited.code;
      } else if (exec) {
        const info = await exec.inspect();
        if (typeof info.ExitCode === 'number') outcome.exitCode = info.ExitCode;
      }
      await readEvidence(run, outcome, cpuAtMarker);
    }
    return outcome;
  } finally {
    clearInterval(poll);
    clearTimeout(wall);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    stream?.destroy();
  }
}

/**
 * What the kernel and the engine say about how the run ended. A local engine's cgroup gives the OOM-kill
 * count and the CPU time (the program's own share too); a remote engine is asked only when the exit code
 * is one a limit would give: whether it saw an OOM kill (a `false` is no evidence: Docker 20.10 sets it
 * only for the container's main process), and the container's CPU time.
 */
async function readEvidence(
  run: ContainerRun,
  outcome: Outcome,
  cpuAtMarker: Promise<number | undefined> | undefined,
): Promise<void> {
  const { container } = run.warm;
  const { exitCode } = outcome;
  if (run.local) {
    const total = await readCgroupUsage(container.id);
    const atStart = await cpuAtMarker;
    if (total.cpuMs !== undefined && atStart !== undefined) outcome.programCpuMs = total.cpuMs - atStart;
    // A reused container's counters hold its earlier runs too: this run's share is from its baseline on.
    const usage = runUsage(total, run.warm.baseline, run.warm.peakReset === true);
    if (usage.cpuMs !== undefined) outcome.cpuMs = usage.cpuMs;
    if (usage.peakMemoryBytes !== undefined) outcome.peakMemoryBytes = usage.peakMemoryBytes;
    if (usage.oomKills !== undefined) outcome.oomKilled = usage.oomKills > 0;
    if (usage.pidsLimitHits !== undefined) outcome.pidsLimitHit = usage.pidsLimitHits > 0;
    if (outcome.oomKilled !== undefined) return;
  }
  if (exitCode !== EXIT_SIGKILL && exitCode !== EXIT_SIGXCPU) return;
  if (outcome.oomKilled === undefined) {
    const state = await container.inspect().catch(() => undefined);
    if (state?.State.OOMKilled === true) outcome.oomKilled = true;
  }
  if (outcome.cpuMs === undefined) {
    const stats = await container.stats({ stream: false, 'one-shot': true }).catch(() => undefined);
    const cpuNs = stats?.cpu_stats.cpu_usage.total_usage;
    if (typeof cpuNs === 'number' && cpuNs > 0) outcome.cpuMs = Math.round(cpuNs / 1e6);
  }
}

/**
 * Whether the engine says the kernel's OOM killer ended the container: once it has recorded the container's
 * exit (its stream can end a little before that), else after a second of waiting for it.
 */
async function endedByOomKill(container: Docker.Container): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const state = await container.inspect().then(
      (info) => info.State,
      () => undefined,
    );
    if (!state) return false;
    if (!state.Running) return state.OOMKilled;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
