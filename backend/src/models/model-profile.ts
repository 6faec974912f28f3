import type { ModelProfileResponse, ProfileGroupBody, QuantileBody, ShareBody } from '@arena/contracts';
import { linearQuantile } from '@arena/ranking';
import type { DataSource } from 'typeorm';
import { battleShown, voterCounted } from '../moderation/visibility.js';

const Z95 = 1.959963984540054;

/** A share with its 95% Wilson score interval. */
export function wilson(count: number, of: number): ShareBody {
  if (of === 0) return { count, of, share: null, low: null, high: null };
  const p = count / of;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / of;
  const centre = (p + z2 / (2 * of)) / denominator;
  const half = (Z95 / denominator) * Math.sqrt((p * (1 - p)) / of + z2 / (4 * of * of));
  return { count, of, share: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * The q-quantile (linear interpolation, as pandas) with a distribution-free 95% interval: the order statistics
 * of ranks ⌊nq − z√(nq(1−q))⌋ and ⌈nq + z√(nq(1−q))⌉ (1-based, clamped to 1…n), the normal approximation of
 * the binomial count of values below the quantile.
 */
export function quantileWithInterval(values: number[], q: number): QuantileBody {
  const n = values.length;
  if (n === 0) return { value: null, low: null, high: null };
  const sorted = Float64Array.from(values).sort();
  const spread = Z95 * Math.sqrt(n * q * (1 - q));
  const lo = Math.min(n, Math.max(1, Math.floor(n * q - spread)));
  const hi = Math.min(n, Math.max(1, Math.ceil(n * q + spread)));
  return { value: linearQuantile(sorted, q), low: sorted[lo - 1]!, high: sorted[hi - 1]! };
}

interface RunRow {
  battle_id: string;
  turn: number;
  side: 'a' | 'b';
  origin: 'answer' | 'rerun';
  status: string | null;
  environment: string;
  language: string | null;
  cpu_ms: number | null;
  peak_memory_bytes: number | null;
  edited: boolean;
}

/** One answer (a side's message of one turn) and its own run, if its code was extracted. */
interface Answer {
  run: RunRow | undefined;
  reruns: RunRow[];
}

const STATUS_KEYS = {
  ok: 'ok',
  compileError: 'compile_error',
  runtimeError: 'runtime_error',
  timeout: 'timeout',
  memoryLimit: 'memory_limit',
  unsupported: 'unsupported',
} as const;

function group(answers: Answer[]): ProfileGroupBody {
  const runs = answers.flatMap((a) => (a.run ? [a.run] : []));
  const finished = runs.filter((r) => r.status !== null);
  const share = (status: string): ShareBody =>
    wilson(finished.filter((r) => r.status === status).length, finished.length);
  const cpu = finished.flatMap((r) => (r.cpu_ms === null ? [] : [r.cpu_ms]));
  const memory = finished.flatMap((r) => (r.peak_memory_bytes === null ? [] : [r.peak_memory_bytes]));
  return {
    answers: answers.length,
    withCode: wilson(runs.length, answers.length),
    finishedRuns: finished.length,
    ...(Object.fromEntries(Object.entries(STATUS_KEYS).map(([key, status]) => [key, share(status)])) as Record<
      keyof typeof STATUS_KEYS,
      ShareBody
    >),
    cpuMs: { runs: cpu.length, median: quantileWithInterval(cpu, 0.5), p90: quantileWithInterval(cpu, 0.9) },
    peakMemoryBytes: {
      runs: memory.length,
      median: quantileWithInterval(memory, 0.5),
      p90: quantileWithInterval(memory, 0.9),
    },
  };
}

function groupsBy(answers: Answer[], key: (run: RunRow) => string | null): Record<string, ProfileGroupBody> {
  const groups = new Map<string, Answer[]>();
  for (const answer of answers) {
    const k = answer.run ? key(answer.run) : null;
    if (!k) continue;
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(answer);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, group(groups.get(k)!)]));
}

/**
 * A model's execution profile over the battles of the `battles` data set (revealed, not hidden, with a vote
 * from a voter not banned): its answers, their own runs (the first run of origin `answer` of the turn) and the
 * re-runs of its code from the UI. Two bulk queries, put together here.
 */
export async function modelProfile(
  dataSource: DataSource,
  model: { id: string; name: string },
): Promise<ModelProfileResponse> {
  const counted = `
    SELECT b.id, b.model_a_id, b.model_b_id FROM battles b
     WHERE b.status = 'revealed' AND (b.model_a_id = $1 OR b.model_b_id = $1) AND ${battleShown('b.id')}
       AND EXISTS (SELECT 1 FROM votes v WHERE v.battle_id = b.id AND ${voterCounted('v')})`;
  const mine = `((x.side = 'a' AND c.model_a_id = $1) OR (x.side = 'b' AND c.model_b_id = $1))`;
  const [messages, runs] = await Promise.all([
    dataSource.query<{ battle_id: string; turn: number; side: 'a' | 'b' }[]>(
      `WITH c AS (${counted})
       SELECT x.battle_id, x.turn, x.side FROM side_messages x JOIN c ON c.id = x.battle_id WHERE ${mine}`,
      [model.id],
    ),
    dataSource.query<RunRow[]>(
      `WITH c AS (${counted})
       SELECT x.battle_id, x.turn, x.side, x.origin, x.status, x.environment, ce.language, x.cpu_ms,
              x.peak_memory_bytes::float8 AS peak_memory_bytes,
              (x.origin = 'rerun' AND x.code IS DISTINCT FROM (
                SELECT a.code FROM executions a
                 WHERE a.battle_id = x.battle_id AND a.turn = x.turn AND a.side = x.side AND a.origin = 'answer'
                 ORDER BY a.created_at LIMIT 1)) AS edited
         FROM executions x JOIN c ON c.id = x.battle_id
         LEFT JOIN code_extractions ce ON ce.battle_id = x.battle_id AND ce.turn = x.turn AND ce.side = x.side
        WHERE ${mine}
        ORDER BY x.created_at, x.id`,
      [model.id],
    ),
  ]);
  const keyOf = (r: { battle_id: string; turn: number; side: string }) => `${r.battle_id}/${r.turn}/${r.side}`;
  const answers = new Map<string, Answer>(messages.map((m) => [keyOf(m), { run: undefined, reruns: [] }]));
  for (const run of runs) {
    const answer = answers.get(keyOf(run));
    if (!answer) continue;
    if (run.origin === 'answer') answer.run ??= run;
    else answer.reruns.push(run);
  }
  const all = [...answers.values()];
  const withCode = all.filter((a) => a.run);
  const failedThenEdited = withCode.filter(
    (a) => a.run!.status !== null && a.run!.status !== 'ok' && a.reruns.some((r) => r.edited),
  );
  return {
    model: model.id,
    name: model.name,
    battles: new Set(messages.map((m) => m.battle_id)).size,
    overall: group(all),
    byLanguage: groupsBy(all, (r) => r.language),
    byEnvironment: groupsBy(all, (r) => r.environment),
    reruns: {
      runs: all.reduce((s, a) => s + a.reruns.length, 0),
      edited: all.reduce((s, a) => s + a.reruns.filter((r) => r.edited).length, 0),
      answersRerun: wilson(withCode.filter((a) => a.reruns.length > 0).length, withCode.length),
      rescued: wilson(
        failedThenEdited.filter((a) => a.reruns.some((r) => r.edited && r.status === 'ok')).length,
        failedThenEdited.length,
      ),
    },
  };
}
