import {
  runScreenshotPath,
  type BattleSnapshot,
  type ModelRef,
  type RunOrigin,
  type Side,
  type SideState,
} from '@arena/contracts';
import type { BattlesRepository } from './battles.repository.js';
import type { BattleEntity } from './entities/index.js';
import { emptySide } from './live-battle.js';

/**
 * Where stderr sits in the output of a run stored before its ranges were (`stderr_ranges`). The database keeps
 * each stream whole beside the interleaved output, so the ranges are known when stderr came all after stdout or
 * all before it (a crash's trace, a compile error); an interleaved run has none, and its output is shown as one
 * stream.
 */
export function storedStderrRanges(output: string, stdout: string, stderr: string): [number, number][] | undefined {
  if (!stderr) return undefined;
  if (output === stdout + stderr) return [[stdout.length, output.length]];
  if (output === stderr + stdout) return [[0, stderr.length]];
  return undefined;
}

/** A stored re-run's origin: the edited program travels with it, so an editor can show what it ran. */
function storedRerun(ran: string, answer: string | undefined, stdin: string | null): RunOrigin {
  const edited = ran !== answer;
  return { edited, stdin: stdin !== null, ...(edited ? { code: ran } : {}) };
}

/** A battle's snapshot as the database holds it (no process holds it in memory any more). */
export async function storedSnapshot(
  battle: BattleEntity,
  repository: BattlesRepository,
  modelsOf: (battle: BattleEntity) => Promise<{ a: ModelRef; b: ModelRef }>,
): Promise<BattleSnapshot> {
  const battleId = battle.id;
  const [{ turns, messages, extractions, executions }, pictured, figures] = await Promise.all([
    repository.contents(battleId),
    repository.runsWithScreenshots(battleId),
    repository.runFigures(battleId),
  ]);
  const side = (turn: number, s: Side): SideState => {
    const message = messages.find((m) => m.turn === turn && m.side === s);
    const code = extractions.find((e) => e.turn === turn && e.side === s);
    const state = emptySide();
    if (message) {
      state.text = message.text;
      state.finished = message.finishReason !== null;
      if (message.finishReason) state.finishReason = message.finishReason;
      if (message.error) state.error = message.error;
    }
    if (code) {
      state.code = { environment: code.environment, language: code.language, code: code.code };
      if (code.installCommand) state.code.installCommand = code.installCommand;
    }
    state.runs = executions
      .filter((e) => e.turn === turn && e.side === s)
      .map((e) => {
        const stderr = e.stderrRanges ?? storedStderrRanges(e.output, e.stdout, e.stderr);
        return {
          runId: e.id,
          environment: e.environment,
          output: e.output,
          ...(stderr ? { stderr } : {}),
          seq: -1,
          ...(e.status ? { status: e.status } : {}),
          ...(e.exitCode !== null ? { exitCode: e.exitCode } : {}),
          ...(e.durationMs !== null ? { durationMs: e.durationMs } : {}),
          ...(e.preview !== null ? { preview: { kind: 'html' as const, html: e.preview } } : {}),
          // A live app's or display's address: it answers 410 ("app stopped") once the app is gone.
          ...(e.previewUrl !== null && (e.previewKind === 'app' || e.previewKind === 'display')
            ? { preview: { kind: e.previewKind, url: e.previewUrl } }
            : {}),
          startedAt: e.createdAt.getTime(),
          ...(e.origin === 'rerun' ? { rerun: storedRerun(e.code, code?.code, e.stdin) } : {}),
          ...(pictured.has(e.id) ? { screenshot: runScreenshotPath(battleId, e.id) } : {}),
          ...(figures.has(e.id) ? { figures: figures.get(e.id) } : {}),
        };
      });
    return state;
  };
  const snapshot: BattleSnapshot = {
    battleId,
    status: battle.status,
    createdAt: battle.createdAt.toISOString(),
    turns: turns.map((t) => ({
      turn: t.turn,
      prompt: t.prompt,
      sides: { a: side(t.turn, 'a'), b: side(t.turn, 'b') },
    })),
    spectators: 0,
  };
  if (battle.category) snapshot.category = battle.category;
  if (battle.status === 'revealed') {
    snapshot.models = await modelsOf(battle);
    if (battle.winner) snapshot.winner = battle.winner;
  }
  return snapshot;
}
