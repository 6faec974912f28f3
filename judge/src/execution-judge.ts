import type { RunStatus } from '@arena/contracts';
import type { Verdict } from './verdict.js';

export interface ExecutionEvidence {
  status: RunStatus;
  stdout: string;
  stderr: string;
  /** The run rendered something that is not blank (a page, an app, a display or a figure: its screenshot varies). */
  rendered?: boolean;
}

export interface JudgedSide {
  /** The side's last run; undefined when its answer had no runnable code. */
  execution?: ExecutionEvidence;
}

export interface Judgement {
  verdict: Verdict;
  reasoning: string;
}

/** Runs that say nothing about the code itself: the arena could not run it. */
const NOT_JUDGEABLE: ReadonlySet<RunStatus> = new Set(['unsupported', 'internal_error']);

function describe(side: 'A' | 'B', s: JudgedSide): string {
  if (!s.execution) return `${side} had no runnable code`;
  const { status, stdout } = s.execution;
  if (status === 'ok')
    return `${side} ran successfully${
      stdout.trim() ? ' and printed output' : s.execution.rendered ? ' and rendered something' : ' but printed nothing'
    }`;
  return `${side} ended with ${status}`;
}

/**
 * The execution-grounded judge: no model, only what the code did when it ran. A side whose code ran beats
 * one whose code failed; both failing is both bad; both running, a side that printed something beats one
 * that printed nothing (where a run printed nothing, a non-blank rendering counts as output); anything else is a
 * tie. Runs the arena could not perform (unsupported, sandbox
 * errors) are no evidence either way.
 */
export function judgeByExecution(a: JudgedSide, b: JudgedSide): Judgement {
  const reasoning = `${describe('A', a)}; ${describe('B', b)}.`;
  const sa = a.execution;
  const sb = b.execution;
  if ((sa && NOT_JUDGEABLE.has(sa.status)) || (sb && NOT_JUDGEABLE.has(sb.status))) {
    return { verdict: 'tie', reasoning: `${reasoning} One side could not be run here, so execution decides nothing.` };
  }
  if (!sa && !sb) return { verdict: 'tie', reasoning };
  const ok = (s: ExecutionEvidence | undefined): boolean => s?.status === 'ok';
  const failed = (s: ExecutionEvidence | undefined): boolean => !!s && s.status !== 'ok';
  if (ok(sa) && !ok(sb)) return { verdict: 'A', reasoning };
  if (ok(sb) && !ok(sa)) return { verdict: 'B', reasoning };
  if (failed(sa) && failed(sb)) return { verdict: 'both_bad', reasoning };
  if (ok(sa) && ok(sb)) {
    // What a run showed: its output, or where it has none, a rendering that is not blank.
    const printedA = sa!.stdout.trim().length > 0 || sa!.rendered === true;
    const printedB = sb!.stdout.trim().length > 0 || sb!.rendered === true;
    if (printedA && !printedB) return { verdict: 'A', reasoning };
    if (printedB && !printedA) return { verdict: 'B', reasoning };
  }
  return { verdict: 'tie', reasoning };
}
