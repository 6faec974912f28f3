import os from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  bootstrapDraw,
  bootstrapKernelRound,
  bootstrapRoundSeed,
  kernelCholesky,
  kernelExp,
  kernelExpTable,
  kernelScratch,
  kernelSolve,
  type KernelData,
} from './bootstrap-kernel.js';
import {
  bootstrapContextual,
  bootstrapKernelData,
  refitBootstrapRound,
  type ContextBattles,
  type ContextBootstrap,
  type ContextFit,
} from './contextual-bt.js';

/**
 * The worker's program: the kernel's own functions as source text (they name nothing outside each other),
 * so the threads run exactly the code `bootstrapContextual` runs, from the compiled package or from the
 * TypeScript source under a test runner alike, with no separate worker file to resolve.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
${[
  bootstrapRoundSeed,
  bootstrapDraw,
  kernelExpTable,
  kernelExp,
  kernelCholesky,
  kernelSolve,
  kernelScratch,
  bootstrapKernelRound,
]
  .map(String)
  .join('\n')}
const { data, seed, rounds, first, stride, samples } = workerData;
const d = data.n + data.k;
const scratch = kernelScratch(data);
const failed = [];
let steps = 0;
for (let round = first; round < rounds; round += stride) {
  const taken = bootstrapKernelRound(data, scratch, seed, round, samples.subarray(round * d, (round + 1) * d));
  if (taken < 0) failed.push(round);
  else steps += taken;
}
parentPort.postMessage({ steps, failed });
`;

/** A typed array's contents in shared memory (the threads read the battles without a copy each). */
function shared<T extends Int32Array | Float64Array>(array: T): T {
  const Kind = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Kind(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

function sharedData(data: KernelData): KernelData {
  return {
    ...data,
    a: shared(data.a),
    b: shared(data.b),
    outcome: shared(data.outcome),
    features: shared(data.features),
    theta: shared(data.theta),
    residual: shared(data.residual),
    curvature: shared(data.curvature),
  };
}

export interface BootstrapThreadsOptions {
  /**
   * Threads to use, at most the rounds (default: one per core from 2,000,000 battle-rounds, one below, where
   * starting threads would cost more than they save).
   */
  threads?: number;
  tolerance?: number;
}

/**
 * `bootstrapContextual` with its rounds split over `worker_threads`: round r's resample depends only on
 * (seed, r), so the samples equal the single-threaded ones whatever the thread count. The battles are shared,
 * not copied; a round whose steps did not settle is refitted here, as the single-threaded path does.
 */
export async function bootstrapContextualThreads(
  battles: ContextBattles,
  fit: ContextFit,
  rounds: number,
  seed: number,
  options: BootstrapThreadsOptions = {},
): Promise<ContextBootstrap> {
  // Unasked, threads are worth their start (tens of milliseconds each) from a few million battle-rounds.
  const wanted = options.threads ?? (battles.length * rounds >= 2_000_000 ? os.availableParallelism() : 1);
  const threads = Math.max(1, Math.min(rounds, wanted));
  if (threads === 1) return bootstrapContextual(battles, fit, rounds, seed, options.tolerance);
  const data = sharedData(bootstrapKernelData(battles, fit, options.tolerance));
  const d = data.n + data.k;
  const samples = new Float64Array(new SharedArrayBuffer(rounds * d * Float64Array.BYTES_PER_ELEMENT));
  const results = await Promise.all(
    Array.from(
      { length: threads },
      (_, first) =>
        new Promise<{ steps: number; failed: number[] }>((resolve, reject) => {
          const worker = new Worker(WORKER_SOURCE, {
            eval: true,
            workerData: { data, seed, rounds, first, stride: threads, samples },
          });
          worker.once('message', (message: { steps: number; failed: number[] }) => resolve(message));
          worker.once('error', reject);
          worker.once('exit', (code) => {
            if (code !== 0) reject(new Error(`bootstrap thread ${first} exited with code ${code}`));
          });
        }),
    ),
  );
  let steps = 0;
  for (const { steps: taken, failed } of results) {
    steps += taken;
    for (const round of failed) samples.set(refitBootstrapRound(battles, fit, seed, round), round * d);
  }
  return { rounds, samples: new Float64Array(samples), steps };
}
