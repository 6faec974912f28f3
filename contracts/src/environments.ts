import { z } from 'zod';

/** Execution environments (design.md, BigCodeArena's list). */
export const ENVIRONMENTS = [
  'javascript',
  'typescript',
  'python',
  'streamlit',
  'gradio',
  'pygame',
  'html',
  'react',
  'vue',
  'svg',
  'mermaid',
  'c',
  'cpp',
  'java',
  'go',
  'rust',
  'bash',
  'none',
] as const;
export const Environment = z.enum(ENVIRONMENTS);
export type Environment = z.infer<typeof Environment>;

/** One status vocabulary for every runner. */
export const RUN_STATUSES = [
  'ok',
  'compile_error',
  'runtime_error',
  'timeout',
  'memory_limit',
  'output_limit',
  'unsupported',
  'internal_error',
] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

export const RUNNER_KINDS = ['docker', 'isolated-vm', 'pyodide', 'browser', 'unavailable'] as const;
export const RunnerKind = z.enum(RUNNER_KINDS);
export type RunnerKind = z.infer<typeof RunnerKind>;

/** How strongly a runner separates a program from the host, strongest first. */
export const ISOLATION_LEVELS = ['container', 'v8-isolate', 'wasm-process', 'browser-iframe', 'none'] as const;
export const Isolation = z.enum(ISOLATION_LEVELS);
export type Isolation = z.infer<typeof Isolation>;
