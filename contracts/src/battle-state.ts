import type { BattleSnapshot, RunFigureState, RunState, SideState } from './battle.js';
import type { ServerEventName, ServerEventPayload } from './events.js';

export type BattleEvent = {
  [E in ServerEventName]: { event: E; payload: ServerEventPayload<E> };
}[ServerEventName];

export type ApplyResult = 'applied' | 'ignored' | 'gap';

function sideOf(snapshot: BattleSnapshot, turn: number, side: 'a' | 'b'): SideState | undefined {
  return snapshot.turns.find((t) => t.turn === turn)?.sides[side];
}

function runOf(snapshot: BattleSnapshot, runId: string): RunState | undefined {
  for (const turn of snapshot.turns) {
    for (const side of [turn.sides.a, turn.sides.b]) {
      const run = side.runs.find((r) => r.runId === runId);
      if (run) return run;
    }
  }
  return undefined;
}

/**
 * Fold one server event into a battle snapshot, in place. Stream frames carry sequence numbers: an old
 * frame (already in the snapshot) is ignored; a frame past a missing one is a gap, and the caller should
 * ask for a fresh snapshot. Every client (web UI, tests, bench) rebuilds battles with this one function.
 */
export function applyBattleEvent(snapshot: BattleSnapshot, { event, payload }: BattleEvent): ApplyResult {
  if ('battleId' in payload && payload.battleId !== snapshot.battleId) return 'ignored';
  switch (event) {
    case 'gen:delta': {
      const side = sideOf(snapshot, payload.turn, payload.side);
      if (!side) return 'gap';
      if (payload.seq <= side.seq) return 'ignored';
      if (payload.seq !== side.seq + 1) return 'gap';
      side.text += payload.text;
      side.seq = payload.seq;
      return 'applied';
    }
    case 'gen:end': {
      const side = sideOf(snapshot, payload.turn, payload.side);
      if (!side) return 'gap';
      side.finished = true;
      side.finishReason = payload.finishReason;
      if (payload.error) side.error = payload.error;
      return 'applied';
    }
    case 'code:ready': {
      const side = sideOf(snapshot, payload.turn, payload.side);
      if (!side) return 'gap';
      side.code = { environment: payload.environment, language: payload.language, code: payload.code };
      if (payload.installCommand) side.code.installCommand = payload.installCommand;
      return 'applied';
    }
    case 'run:start': {
      const side = sideOf(snapshot, payload.turn, payload.side);
      if (!side) return 'gap';
      if (side.runs.some((r) => r.runId === payload.runId)) return 'ignored';
      side.runs.push({
        runId: payload.runId,
        environment: payload.environment,
        output: '',
        seq: -1,
        ...(payload.rerun ? { rerun: payload.rerun } : {}),
        ...(payload.startedAt !== undefined ? { startedAt: payload.startedAt } : {}),
      });
      return 'applied';
    }
    case 'run:output': {
      const run = runOf(snapshot, payload.runId);
      if (!run) return 'gap';
      if (payload.seq <= run.seq) return 'ignored';
      if (payload.seq !== run.seq + 1) return 'gap';
      appendRunOutput(run, payload.stream, payload.data);
      run.seq = payload.seq;
      return 'applied';
    }
    case 'run:end': {
      const run = runOf(snapshot, payload.runId);
      if (!run) return 'gap';
      run.status = payload.status;
      run.durationMs = payload.durationMs;
      if (payload.exitCode !== undefined) run.exitCode = payload.exitCode;
      if (payload.preview) run.preview = payload.preview;
      return 'applied';
    }
    case 'run:figure': {
      const run = runOf(snapshot, payload.runId);
      if (!run) return 'ignored';
      const figures = (run.figures ??= []);
      if (figures.some((f) => f.index === payload.index)) return 'ignored';
      const { index, url, width, height, at } = payload;
      figures.push({ index, url, width, height, at });
      figures.sort((x, y) => x.index - y.index);
      return 'applied';
    }
    case 'run:screenshot': {
      const run = runOf(snapshot, payload.runId);
      if (!run) return 'ignored';
      run.screenshot = payload.url;
      return 'applied';
    }
    case 'battle:status':
      if (snapshot.status === 'revealed') return 'ignored';
      snapshot.status = payload.status;
      return 'applied';
    case 'battle:revealed':
      snapshot.status = 'revealed';
      snapshot.models = payload.models;
      if (payload.winner) snapshot.winner = payload.winner;
      return 'applied';
    case 'battle:presence':
      snapshot.spectators = payload.spectators;
      return 'applied';
    case 'battle:state':
    case 'session':
    case 'session:state':
    case 'session:tally':
    case 'session:update':
    case 'session:removed':
    case 'session:admitted':
      return 'ignored';
  }
}

/** Add a chunk to a run's output, recording where stderr's chunks sit (adjacent ones join one range). */
export function appendRunOutput(run: RunState, stream: 'stdout' | 'stderr', data: string): void {
  const start = run.output.length;
  run.output += data;
  if (stream !== 'stderr' || !data) return;
  run.stderr ??= [];
  const last = run.stderr[run.stderr.length - 1];
  if (last && last[1] === start) last[1] = run.output.length;
  else run.stderr.push([start, run.output.length]);
}

/** A run's output cut into its stdout and stderr parts, in order. */
export function runOutputParts(
  run: Pick<RunState, 'output' | 'stderr'>,
): { stream: 'stdout' | 'stderr'; text: string }[] {
  const parts: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  let at = 0;
  for (const [start, end] of run.stderr ?? []) {
    if (start > at) parts.push({ stream: 'stdout', text: run.output.slice(at, start) });
    if (end > start) parts.push({ stream: 'stderr', text: run.output.slice(start, end) });
    at = Math.max(at, end);
  }
  if (at < run.output.length) parts.push({ stream: 'stdout', text: run.output.slice(at) });
  return parts;
}

/** A piece of a run's console: text of one stream, or a figure the program drew there. */
export type RunConsolePiece =
  { kind: 'text'; stream: 'stdout' | 'stderr'; text: string } | { kind: 'figure'; figure: RunFigureState };

/**
 * A run's output cut into its stdout and stderr parts with its figures between them, each where it was drawn
 * (`RunFigureState.at`), in order; figures placed past the output's end (it was cut short) come last.
 */
export function runConsolePieces(run: Pick<RunState, 'output' | 'stderr' | 'figures'>): RunConsolePiece[] {
  const figures = [...(run.figures ?? [])].sort((x, y) => x.at - y.at || x.index - y.index);
  const pieces: RunConsolePiece[] = [];
  let next = 0;
  let offset = 0;
  for (const part of runOutputParts(run)) {
    const end = offset + part.text.length;
    let at = offset;
    for (let figure = figures[next]; figure && figure.at < end; figure = figures[++next]) {
      if (figure.at > at) pieces.push({ kind: 'text', stream: part.stream, text: run.output.slice(at, figure.at) });
      at = Math.max(at, figure.at);
      pieces.push({ kind: 'figure', figure });
    }
    if (end > at) pieces.push({ kind: 'text', stream: part.stream, text: run.output.slice(at, end) });
    offset = end;
  }
  for (const figure of figures.slice(next)) pieces.push({ kind: 'figure', figure });
  return pieces;
}

/** An empty battle as its creator first sees it, before any frame. */
export function newBattleSnapshot(
  battleId: string,
  prompt: string,
  createdAt = new Date().toISOString(),
): BattleSnapshot {
  const side = (): SideState => ({ text: '', seq: -1, finished: false, runs: [] });
  return {
    battleId,
    status: 'generating',
    createdAt,
    turns: [{ turn: 0, prompt, sides: { a: side(), b: side() } }],
    spectators: 0,
  };
}

export const BATTLE_EVENTS = [
  'gen:delta',
  'gen:end',
  'code:ready',
  'run:start',
  'run:output',
  'run:end',
  'run:screenshot',
  'run:figure',
  'battle:status',
  'battle:revealed',
  'battle:presence',
] as const satisfies readonly ServerEventName[];
