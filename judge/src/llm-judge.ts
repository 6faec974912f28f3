import { judgeByExecution, type ExecutionEvidence, type Judgement } from './execution-judge.js';
import { parseVerdict, type PairwiseLabel, type Verdict } from './verdict.js';

export type JudgeMode = 'with_execution' | 'without_execution';
export const JUDGE_MODES: readonly JudgeMode[] = ['with_execution', 'without_execution'];
/** `ab`: the battle's side A is shown first as "A"; `ba`: its side B is shown as "A". */
export type JudgeOrder = 'ab' | 'ba';

/** A piece of a judge's message: text, or a picture (JPEG, base64) for a judge that reads them. */
export type JudgePart = { type: 'text'; text: string } | { type: 'image'; jpegBase64: string };

export interface JudgeMessage {
  role: 'system' | 'user';
  content: string;
  /** Present for a vision judge shown screenshots: the message as text and pictures, in order. */
  parts?: JudgePart[];
}

/** What a judge sees of a battle. */
export interface BattleForJudging {
  id: string;
  /** Every user turn, in order. */
  instruction: string;
  answers: { a: string; b: string };
  /** Each side's last run, when its answer had runnable code. */
  executions: {
    a?: ExecutionEvidence & { exitCode?: number | null };
    b?: ExecutionEvidence & { exitCode?: number | null };
  };
  /** What each side's run rendered (a JPEG of at most 1024×768, base64), for vision judges. */
  screenshots?: { a?: string; b?: string };
}

export interface PromptBudget {
  /** Characters of each answer shown to the judge. */
  answerChars: number;
  /** Characters of each of stdout and stderr. */
  outputChars: number;
}
export const DEFAULT_BUDGET: PromptBudget = { answerChars: 12_000, outputChars: 2_000 };

/** A string cut to a budget, keeping the head and the tail (where errors usually are). */
export function truncateMiddle(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const head = Math.floor(limit * 0.6);
  const tail = limit - head;
  return `${text.slice(0, head)}\n… [${text.length - limit} characters cut] …\n${text.slice(text.length - tail)}`;
}

const SYSTEM = `You are an impartial expert judge of programming answers. A user asked for code; two AI assistants,
A and B, answered. Decide which answer better fulfils the request: correctness first, then completeness of what
was asked, then code quality and clarity. Do not let the order of the answers, their length or the assistants'
names influence you.

Verdicts: "A" (A is better), "B" (B is better), "tie" (both are good and about equally so), "both_bad" (neither
fulfils the request).

Think step by step, then end with exactly one JSON object on its own line:
{"reasoning": "<two or three sentences>", "winner": "A" | "B" | "tie" | "both_bad"}`;

const EXECUTION_NOTE = `Both answers' code was extracted and run in a sandbox; the results are below. Use them as evidence:
code that does not compile or crashes is wrong unless the request did not ask for runnable code; output that
matches what was asked is strong evidence of correctness. A sandbox that could not run a language says nothing
about the code.`;

function describeRun(run: BattleForJudging['executions']['a'], budget: PromptBudget): string {
  if (!run) return 'No runnable code was found in this answer.';
  const lines = [
    `status: ${run.status}${run.exitCode !== undefined && run.exitCode !== null ? ` (exit code ${run.exitCode})` : ''}`,
  ];
  lines.push(`stdout:\n${run.stdout.trim() ? truncateMiddle(run.stdout, budget.outputChars) : '(empty)'}`);
  lines.push(`stderr:\n${run.stderr.trim() ? truncateMiddle(run.stderr, budget.outputChars) : '(empty)'}`);
  return lines.join('\n');
}

const LABELS_NOTE = `Which answer is better? Think step by step, then end with exactly one of these labels on its own line:
[[A>>B]] (A is significantly better), [[A>B]] (A is slightly better), [[A=B]] (tie, relatively the same),
[[B>A]] (B is slightly better), [[B>>A]] (B is significantly better).`;

const SCREENSHOT_NOTE = `What each program rendered (a web page, an app, a window or a figure) was captured as a
screenshot, shown below in the same order as the answers. Use it as evidence of whether the program displays what
was asked; a blank or broken screenshot counts against it.`;

/**
 * The screenshots of both sides in the shown order, as the parts of the prompt after its text (a side without
 * one is named so the judge does not take the next picture for it).
 */
function screenshotParts(battle: BattleForJudging, first: 'a' | 'b', second: 'a' | 'b'): JudgePart[] {
  const parts: JudgePart[] = [{ type: 'text', text: SCREENSHOT_NOTE }];
  for (const [label, side] of [
    ['A', first],
    ['B', second],
  ] as const) {
    const jpeg = battle.screenshots?.[side];
    parts.push({
      type: 'text',
      text: jpeg ? `<screenshot_${label}>` : `<screenshot_${label}>(none: it rendered nothing)`,
    });
    if (jpeg) parts.push({ type: 'image', jpegBase64: jpeg });
  }
  return parts;
}

/**
 * The BigCodeReward-style judging prompt for one mode and one order (Arena-Hard's labels with `labels`); with
 * `vision`, the with-execution prompt also shows both sides' screenshots (when either has one).
 */
export function judgePrompt(
  battle: BattleForJudging,
  mode: JudgeMode,
  order: JudgeOrder,
  budget: PromptBudget = DEFAULT_BUDGET,
  format: 'json' | 'labels' = 'json',
  vision = false,
): JudgeMessage[] {
  const [first, second] = order === 'ab' ? (['a', 'b'] as const) : (['b', 'a'] as const);
  const parts = [
    `<user_request>\n${battle.instruction}\n</user_request>`,
    `<answer_A>\n${truncateMiddle(battle.answers[first], budget.answerChars)}\n</answer_A>`,
    `<answer_B>\n${truncateMiddle(battle.answers[second], budget.answerChars)}\n</answer_B>`,
  ];
  if (mode === 'with_execution') {
    parts.push(EXECUTION_NOTE);
    parts.push(`<execution_A>\n${describeRun(battle.executions[first], budget)}\n</execution_A>`);
    parts.push(`<execution_B>\n${describeRun(battle.executions[second], budget)}\n</execution_B>`);
  }
  const ask = format === 'json' ? 'Which answer is better? End with the JSON verdict.' : LABELS_NOTE;
  const system: JudgeMessage = {
    role: 'system',
    content: format === 'json' ? SYSTEM : SYSTEM.slice(0, SYSTEM.indexOf('Verdicts:')).trim(),
  };
  if (vision && mode === 'with_execution' && (battle.screenshots?.a || battle.screenshots?.b)) {
    const text = parts.join('\n\n');
    const content: JudgePart[] = [
      { type: 'text', text },
      ...screenshotParts(battle, first, second),
      { type: 'text', text: ask },
    ];
    return [
      system,
      {
        role: 'user',
        content: content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n\n'),
        parts: content,
      },
    ];
  }
  parts.push(ask);
  return [system, { role: 'user', content: parts.join('\n\n') }];
}

/** A verdict given about the shown order, turned into the battle's own sides. */
export function unswap(verdict: Verdict, order: JudgeOrder): Verdict {
  if (order === 'ab') return verdict;
  return verdict === 'A' ? 'B' : verdict === 'B' ? 'A' : verdict;
}

export interface OrderedJudgement {
  order: JudgeOrder;
  /** In the battle's terms (side a = "A"), whatever the order shown. */
  verdict: Verdict;
  label?: PairwiseLabel;
  reasoning: string;
  raw: string;
  attempts: number;
  latencyMs: number;
}

export class JudgeOutputError extends Error {
  override name = 'JudgeOutputError';
  constructor(
    message: string,
    readonly raw: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export type CompleteFn = (messages: JudgeMessage[], signal: AbortSignal) => Promise<string>;

/**
 * One judge call for one mode and order: the prompt, the model's answer parsed strictly (structured JSON or
 * Arena-Hard's labels), asked again up to `retries` times when nothing or several verdicts can be read.
 */
export async function judgeOnce(
  complete: CompleteFn,
  battle: BattleForJudging,
  mode: JudgeMode,
  order: JudgeOrder,
  options: { retries?: number; signal: AbortSignal; budget?: PromptBudget; vision?: boolean },
): Promise<OrderedJudgement> {
  const messages = judgePrompt(battle, mode, order, options.budget, 'json', options.vision ?? false);
  const retries = options.retries ?? 2;
  let raw = '';
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const started = performance.now();
    raw = await complete(messages, options.signal);
    const parsed = parseVerdict(raw);
    if (parsed.ok) {
      return {
        order,
        verdict: unswap(parsed.verdict, order),
        ...(parsed.label ? { label: parsed.label } : {}),
        reasoning: parsed.reasoning ?? raw.slice(-2_000).trim(),
        raw,
        attempts: attempt,
        latencyMs: Math.round(performance.now() - started),
      };
    }
  }
  throw new JudgeOutputError(`no readable verdict after ${retries + 1} attempts`, raw, retries + 1);
}

const SCORE: Record<Verdict, number> = { A: 1, B: -1, tie: 0, both_bad: 0 };

/**
 * The two orders' verdicts as one: agreeing verdicts stand; a preference in one order and none in the other
 * keeps the preference; opposite preferences cancel to a tie. Disagreement is position bias.
 */
export function combineOrders(ab: Verdict, ba: Verdict): { verdict: Verdict; positionBias: boolean } {
  if (ab === ba) return { verdict: ab, positionBias: false };
  const score = SCORE[ab] + SCORE[ba];
  const verdict: Verdict = score > 0 ? 'A' : score < 0 ? 'B' : 'tie';
  return { verdict, positionBias: true };
}

const LABEL_OF: Record<Verdict, PairwiseLabel> = { A: 'A>B', B: 'B>A', tie: 'A=B', both_bad: 'A=B' };

/** A verdict as Arena-Hard's five labels (a plain verdict is a slight preference; both bad is a tie). */
export function verdictLabel(verdict: Verdict, label?: PairwiseLabel): PairwiseLabel {
  return label ?? LABEL_OF[verdict];
}

/**
 * One five-label judgement of answer A against answer B as shown (AutoCodeArena), with execution results;
 * asked again up to `retries` times when no label can be read.
 */
export async function judgeLabel(
  complete: CompleteFn,
  battle: BattleForJudging,
  options: { retries?: number; signal: AbortSignal; budget?: PromptBudget; vision?: boolean },
): Promise<{ label: PairwiseLabel; raw: string; attempts: number }> {
  const messages = judgePrompt(battle, 'with_execution', 'ab', options.budget, 'labels', options.vision ?? false);
  const retries = options.retries ?? 2;
  let raw = '';
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    raw = await complete(messages, options.signal);
    const parsed = parseVerdict(raw);
    if (parsed.ok) return { label: verdictLabel(parsed.verdict, parsed.label), raw, attempts: attempt };
  }
  throw new JudgeOutputError(`no readable label after ${retries + 1} attempts`, raw, retries + 1);
}

/** The execution-grounded judge on the battle as an LLM judge would see it. */
export function judgeBattleByExecution(battle: BattleForJudging): Judgement {
  const side = (run: BattleForJudging['executions']['a']) => (run ? { execution: run } : {});
  return judgeByExecution(side(battle.executions.a), side(battle.executions.b));
}
