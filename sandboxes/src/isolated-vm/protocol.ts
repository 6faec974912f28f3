import type { RunStatus } from '@arena/contracts';
import type { OutputStream, RunLimits } from '../types.js';

/** Messages between the pool (parent) and an isolated-vm worker process (child), over IPC. */
export interface WorkerRunMessage {
  type: 'run';
  id: number;
  code: string;
  sourceType: 'script' | 'module';
  stdin: string;
  limits: RunLimits;
  /** How far the worker process's RSS may grow during the run before the worker ends it with `memory_limit`. */
  memoryCapBytes: number;
}

export interface WorkerOutputMessage {
  type: 'out';
  id: number;
  stream: OutputStream;
  data: string;
}

export interface WorkerDoneMessage {
  type: 'done';
  id: number;
  status: RunStatus;
  exitCode?: number;
  cpuMs: number;
  peakMemoryBytes: number;
  message?: string;
  /** The worker should be replaced (after an OOM or a catastrophic error, per isolated-vm's advice). */
  recycle: boolean;
}

export type WorkerToParent = WorkerOutputMessage | WorkerDoneMessage | { type: 'ready' };
export type ParentToWorker = WorkerRunMessage;
