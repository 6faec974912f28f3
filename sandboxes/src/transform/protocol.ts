/** Messages between the transform service (parent) and a transform worker process (child), over IPC. */

/** One compiler diagnostic, as esbuild reports it (line 1-based, column 0-based). */
export interface BuildMessage {
  text: string;
  location: { line: number; column: number } | null;
  /** The arena stopped the compile (a size, time or memory limit, a compiler crash), not a program error. */
  limit?: boolean;
}

/** esbuild's transform of one file (TypeScript to JavaScript, or a syntax check of JavaScript). */
export interface TransformJob {
  op: 'transform';
  code: string;
  loader: 'ts' | 'js';
  format?: 'esm';
  target: string;
  sourcefile: string;
  /** Only the diagnostics are wanted: print without whitespace and send no code back. */
  checkOnly?: boolean;
}

/** A preview's bundle: the entry imports `arena:user` (the program); vendor imports read a page global. */
export interface PreviewBundleJob {
  op: 'preview-bundle';
  entry: string;
  source: string;
  loader: 'tsx' | 'jsx' | 'ts' | 'js';
  /** Bare imports the arena provides, each read from `window[vendorGlobal][name]`. */
  provided: string[];
  vendorGlobal: string;
}

/** A Vue single-file component, compiled by Vue's own compiler to a module and its styles. */
export interface VueSfcJob {
  op: 'vue-sfc';
  source: string;
}

export type Job = TransformJob | PreviewBundleJob | VueSfcJob;

export interface JobValue {
  transform: { code: string };
  'preview-bundle': { code: string; missing: string[] };
  'vue-sfc': { module: string; styles: string };
}

export interface WorkerJobMessage {
  type: 'job';
  id: number;
  job: Job;
  /** Output past this many bytes is refused rather than sent back. */
  maxOutputBytes: number;
}

export type JobReply<K extends Job['op'] = Job['op']> =
  | { ok: true; value: JobValue[K] }
  /** The program's own errors (syntax, types the loader rejects, an unresolvable import). */
  | { ok: false; errors: BuildMessage[] };

export type WorkerToParent =
  | { type: 'ready' }
  | ({ type: 'done'; id: number } & JobReply)
  /** The compiler itself failed (its service died, the output could not be held): the worker exits next. */
  | { type: 'broken'; id: number; reason: string };

export type ParentToWorker = WorkerJobMessage;
