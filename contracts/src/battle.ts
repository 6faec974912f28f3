import { z } from 'zod';
import { Environment, RunStatus } from './environments.js';

export const MAX_PROMPT_CHARS = 16_000;
export const MAX_CATEGORY_CHARS = 64;
export const MAX_STDIN_BYTES = 64 * 1024;

export const Side = z.enum(['a', 'b']);
export type Side = z.infer<typeof Side>;
export const SIDES: readonly Side[] = ['a', 'b'];

export const Winner = z.enum(['model_a', 'model_b', 'tie', 'tie (bothbad)']);
export type Winner = z.infer<typeof Winner>;

export const BattleStatus = z.enum(['generating', 'running', 'voting', 'revealed', 'failed']);
export type BattleStatus = z.infer<typeof BattleStatus>;

export const FinishReason = z.enum(['stop', 'length', 'error', 'cancelled']);
export type FinishReason = z.infer<typeof FinishReason>;

export const ModelRef = z.object({ id: z.string(), name: z.string() });
export type ModelRef = z.infer<typeof ModelRef>;

export const BattleId = z.uuid({ message: 'battleId must be a battle id (a UUID)' });

/** Who started a run and what was changed; `code` is the program it ran when that was edited. */
export const RunOrigin = z.object({ edited: z.boolean(), stdin: z.boolean(), code: z.string().optional() });
export type RunOrigin = z.infer<typeof RunOrigin>;

/**
 * What a run rendered: a web environment's page (`html`, rendered in a sandboxed iframe), a live web app
 * (`app`: a path on the arena's own origin proxied to the program's sandbox while it lives) or a desktop
 * program's virtual display (`display`: the path of a VNC-over-WebSocket endpoint, view only). `expiresAt`
 * (ms since the epoch) is when a live app or display is removed at the latest; after it the URL answers 410.
 */
export const RunPreviewState = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('html'), html: z.string() }),
  z.object({ kind: z.literal('app'), url: z.string(), expiresAt: z.number().optional() }),
  z.object({ kind: z.literal('display'), url: z.string(), expiresAt: z.number().optional() }),
]);
export type RunPreviewState = z.infer<typeof RunPreviewState>;

/**
 * A figure a program drew (Python's Matplotlib: on `plt.show()`, and at the end for figures still open): a PNG
 * served at `url`, drawn in the run's output where `at` says (a character offset into `RunState.output`: the
 * output printed before the figure).
 */
export const RunFigureState = z.object({
  index: z.number().int().nonnegative(),
  url: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  at: z.number().int().nonnegative(),
});
export type RunFigureState = z.infer<typeof RunFigureState>;

export const RunState = z.object({
  runId: z.string(),
  environment: Environment.optional(),
  status: RunStatus.optional(),
  exitCode: z.number().int().optional(),
  output: z.string(),
  /**
   * The parts of `output` that came from stderr, as [start, end) character offsets in order, so that a client
   * can draw them apart. Recorded by whoever folds `run:output` frames (`appendRunOutput`), stored with the run
   * by the server; absent when no stderr came.
   */
  stderr: z.array(z.tuple([z.number().int(), z.number().int()])).optional(),
  /** The last `run:output` seq folded into `output`; -1 when none. */
  seq: z.number().int(),
  durationMs: z.number().optional(),
  preview: RunPreviewState.optional(),
  /** Present on a re-run (by the battle's creator, or a session's host): whether its code or stdin were changed. */
  rerun: RunOrigin.optional(),
  /**
   * When the run started, in ms since the epoch on the server's clock, so that every viewer counts its time from
   * the same moment (one who arrives late too).
   */
  startedAt: z.number().optional(),
  /** Where the picture of what the run rendered is (a JPEG of at most 1024×768), once the server took it. */
  screenshot: z.string().optional(),
  /** The figures the program drew (Matplotlib), in the order drawn; absent when none. */
  figures: z.array(RunFigureState).optional(),
});
export type RunState = z.infer<typeof RunState>;

/** `run:figure`: a running program drew a figure (sent when drawn, after the output printed before it). */
export const RunFigure = RunFigureState.extend({ battleId: z.string(), runId: z.string(), side: Side });
export type RunFigure = z.infer<typeof RunFigure>;
/** Where a run's figure is served (`GET`, `image/png`). */
export const runFigurePath = (battleId: string, runId: string, index: number): string =>
  `/api/battles/${battleId}/runs/${runId}/figures/${index}`;

/** `run:screenshot`: the picture of what a run rendered arrived (after its `run:end`). */
export const RunScreenshot = z.object({ battleId: z.string(), runId: z.string(), side: Side, url: z.string() });
export type RunScreenshot = z.infer<typeof RunScreenshot>;
/** Where a run's picture is served (`GET`, `image/jpeg`). */
export const runScreenshotPath = (battleId: string, runId: string): string =>
  `/api/battles/${battleId}/runs/${runId}/screenshot`;

export const CodeState = z.object({
  environment: Environment,
  language: z.string(),
  code: z.string(),
  installCommand: z.string().optional(),
});
export type CodeState = z.infer<typeof CodeState>;

export const SideState = z.object({
  text: z.string(),
  /** The last `gen:delta` seq folded into `text`; -1 when none. */
  seq: z.number().int(),
  finished: z.boolean(),
  finishReason: FinishReason.optional(),
  error: z.string().optional(),
  code: CodeState.optional(),
  runs: z.array(RunState),
});
export type SideState = z.infer<typeof SideState>;

export const TurnState = z.object({
  turn: z.number().int(),
  prompt: z.string(),
  sides: z.object({ a: SideState, b: SideState }),
});
export type TurnState = z.infer<typeof TurnState>;

export const BattleSnapshot = z.object({
  battleId: z.string(),
  status: BattleStatus,
  createdAt: z.string(),
  category: z.string().optional(),
  turns: z.array(TurnState),
  spectators: z.number().int(),
  winner: Winner.optional(),
  models: z.object({ a: ModelRef, b: ModelRef }).optional(),
});
export type BattleSnapshot = z.infer<typeof BattleSnapshot>;

// ---- client → server payloads ----

/** A user turn's text: the first prompt or a follow-up. */
export const PromptText = z
  .string()
  .trim()
  .min(1, 'prompt must not be empty')
  .max(MAX_PROMPT_CHARS, `prompt must be at most ${MAX_PROMPT_CHARS} characters`);

export const BattleCreateInput = z.strictObject({
  prompt: PromptText,
  category: z.string().trim().min(1).max(MAX_CATEGORY_CHARS).optional(),
});
export type BattleCreateInput = z.infer<typeof BattleCreateInput>;

export const BattleRefInput = z.strictObject({ battleId: BattleId });
export type BattleRefInput = z.infer<typeof BattleRefInput>;

/** A follow-up turn: both sides continue their own conversation with this prompt. */
export const BattleFollowupInput = z.strictObject({ battleId: BattleId, prompt: PromptText });
export type BattleFollowupInput = z.infer<typeof BattleFollowupInput>;

export const BattleVoteInput = z.strictObject({ battleId: BattleId, winner: Winner });
export type BattleVoteInput = z.infer<typeof BattleVoteInput>;

/** Largest edited program `run:request` accepts. */
export const MAX_CODE_CHARS = 200_000;
export const RunRequestInput = z.strictObject({
  battleId: BattleId,
  side: Side,
  code: z.string().min(1).max(MAX_CODE_CHARS).optional(),
  stdin: z
    .string()
    .refine(
      (text) => new TextEncoder().encode(text).length <= MAX_STDIN_BYTES,
      `stdin is limited to ${MAX_STDIN_BYTES} bytes`,
    )
    .optional(),
});
export type RunRequestInput = z.infer<typeof RunRequestInput>;

/**
 * `run:control`: the WebSocket path that drives a run's virtual display (keyboard and mouse reach the program).
 * Only the battle's creator (in a voting session, its host) gets it; everyone else watches the view-only `preview.url`.
 */
export const RunControlInput = z.strictObject({
  battleId: BattleId,
  runId: z.string().min(1).max(100),
});
export type RunControlInput = z.infer<typeof RunControlInput>;

/** One thing the creator did inside a rendered run; `t`: ms since the page loaded. */
export const InteractionEvent = z.strictObject({
  type: z.enum(['load', 'click', 'keydown', 'scroll', 'resize', 'error']),
  t: z.number().int().min(0).max(86_400_000),
  x: z.number().finite().optional(),
  y: z.number().finite().optional(),
  key: z.string().max(32).optional(),
  detail: z.string().max(500).optional(),
});
export type InteractionEvent = z.infer<typeof InteractionEvent>;
/** `preview:interaction`: what the battle's creator did inside a rendered run (stored with it, shown to nobody). */
export const PreviewInteractionInput = z.strictObject({
  battleId: BattleId,
  runId: z.string().min(1).max(100),
  events: z.array(InteractionEvent).min(1).max(200),
});
export type PreviewInteractionInput = z.infer<typeof PreviewInteractionInput>;

/** A web preview's console, reported by the browser that renders it. */
export const PreviewLogInput = z.strictObject({
  battleId: BattleId,
  runId: z.uuid(),
  entries: z
    .array(
      z.strictObject({
        level: z.enum(['log', 'info', 'debug', 'warn', 'error', 'uncaught']),
        text: z.string().max(8_000),
      }),
    )
    .min(1)
    .max(100),
});
export type PreviewLogInput = z.infer<typeof PreviewLogInput>;

// ---- server → client payloads ----

export interface GenDelta {
  battleId: string;
  turn: number;
  side: Side;
  seq: number;
  text: string;
  t: number;
}
export interface GenEnd {
  battleId: string;
  turn: number;
  side: Side;
  finishReason: FinishReason;
  error?: string;
  outputTokens?: number;
  ms: number;
}
export interface CodeReady {
  battleId: string;
  turn: number;
  side: Side;
  environment: Environment;
  language: string;
  code: string;
  installCommand?: string;
}
export interface RunStart {
  battleId: string;
  turn: number;
  side: Side;
  runId: string;
  environment: Environment;
  /** Present on a re-run: whether its code or stdin were changed from the answer's (and the edited code). */
  rerun?: RunOrigin;
  /** The server's clock (ms since the epoch) when the run started. */
  startedAt?: number;
}
export interface RunOutput {
  battleId: string;
  runId: string;
  side: Side;
  stream: 'stdout' | 'stderr';
  seq: number;
  data: string;
  t: number;
}
export interface RunEnd {
  battleId: string;
  runId: string;
  side: Side;
  status: RunStatus;
  exitCode?: number;
  durationMs: number;
  preview?: RunPreviewState;
}
export interface BattleStatusEvent {
  battleId: string;
  status: BattleStatus;
}
export interface BattleRevealed {
  battleId: string;
  models: { a: ModelRef; b: ModelRef };
  /** A session battle closed without any vote has no winner. */
  winner?: Winner;
  /** Set when a voting session's host closed the vote. */
  sessionId?: string;
}
export interface BattlePresence {
  battleId: string;
  spectators: number;
}
