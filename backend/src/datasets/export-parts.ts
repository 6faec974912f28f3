import type { BigCodeRewardRow, ChatMessageRow, ExecutionRow } from '@arena/contracts';
import type { DatasetDb } from './dataset-db.js';

/** The columns of `export_parts`, as read. */
export interface ExportParts {
  model_a_id: string;
  model_b_id: string;
  category: string | null;
  anony: boolean;
  conversation_a: string;
  conversation_b: string;
  turns: number;
  language: string | null;
  environment: string | null;
  code_a: string | null;
  code_b: string | null;
  executions_a: string;
  executions_b: string;
  instruction: string;
  output_a: string;
  output_b: string;
  error_a: string;
  error_b: string;
  states: string;
}
const PART_COLUMNS = [
  'model_a_id',
  'model_b_id',
  'category',
  'anony',
  'conversation_a',
  'conversation_b',
  'turns',
  'language',
  'environment',
  'code_a',
  'code_b',
  'executions_a',
  'executions_b',
  'instruction',
  'output_a',
  'output_b',
  'error_a',
  'error_b',
  'states',
] as const satisfies readonly (keyof ExportParts)[];
const PART_TYPES: Record<keyof ExportParts, string> = {
  model_a_id: 'text',
  model_b_id: 'text',
  category: 'text',
  anony: 'boolean',
  conversation_a: 'text',
  conversation_b: 'text',
  turns: 'int',
  language: 'text',
  environment: 'text',
  code_a: 'text',
  code_b: 'text',
  executions_a: 'text',
  executions_b: 'text',
  instruction: 'text',
  output_a: 'text',
  output_b: 'text',
  error_a: 'text',
  error_b: 'text',
  states: 'text',
};

interface BattleParts {
  battle: Pick<ExportParts, 'model_a_id' | 'model_b_id' | 'category' | 'anony'>;
  /** Turn prompts in order. */
  prompts: string[];
  /** [turn, side, text] of every answer. */
  messages: [number, 'a' | 'b', string][];
  /** [side, environment, language, code] of every extraction, in turn order. */
  code: [string, string, string, string][];
  runs: (ExecutionRow & { side: 'a' | 'b' })[];
}

/**
 * Everything some battles recorded, as plain rows fetched in bulk (one query per table, run at once on the
 * pool) and put together here.
 */
async function readBattles(dataSource: DatasetDb, ids: string[]): Promise<Map<string, BattleParts>> {
  const [battles, turns, messages, code, runs] = await Promise.all([
    dataSource.query<(BattleParts['battle'] & { id: string })[]>(
      'SELECT id, model_a_id, model_b_id, category, anony FROM battles WHERE id = ANY($1::uuid[])',
      [ids],
    ),
    dataSource.query<{ battle_id: string; prompt: string }[]>(
      'SELECT battle_id, prompt FROM turns WHERE battle_id = ANY($1::uuid[]) ORDER BY battle_id, turn',
      [ids],
    ),
    dataSource.query<{ battle_id: string; turn: number; side: 'a' | 'b'; text: string }[]>(
      'SELECT battle_id, turn, side, text FROM side_messages WHERE battle_id = ANY($1::uuid[]) ORDER BY turn',
      [ids],
    ),
    dataSource.query<{ battle_id: string; side: string; environment: string; language: string; code: string }[]>(
      'SELECT battle_id, side, environment, language, code FROM code_extractions WHERE battle_id = ANY($1::uuid[]) ORDER BY turn',
      [ids],
    ),
    dataSource.query<(ExecutionRow & { battle_id: string; side: 'a' | 'b' })[]>(
      // Per run also the language and install request of its turn's extraction, whether it showed a preview and,
      // for a re-run, whether its code differs from the answer's own run's.
      `SELECT e.battle_id, e.side, e.turn, e.environment, e.runner, e.status, e.exit_code, e.stdout, e.stderr,
              e.duration_ms, e.origin, c.language, e.cpu_ms, e.peak_memory_bytes::float8 AS peak_memory_bytes,
              (e.preview IS NOT NULL OR e.preview_kind IS NOT NULL) AS has_preview, COALESCE(c.install_command IS NOT NULL, false) AS install_requested,
              (e.origin = 'rerun' AND e.code IS DISTINCT FROM (
                SELECT a.code FROM executions a
                 WHERE a.battle_id = e.battle_id AND a.turn = e.turn AND a.side = e.side AND a.origin = 'answer'
                 ORDER BY a.created_at LIMIT 1)) AS edited
         FROM executions e
         LEFT JOIN code_extractions c ON c.battle_id = e.battle_id AND c.turn = e.turn AND c.side = e.side
        WHERE e.battle_id = ANY($1::uuid[]) ORDER BY e.created_at, e.id`,
      [ids],
    ),
  ]);
  const parts = new Map<string, BattleParts>();
  for (const { id, ...battle } of battles) parts.set(id, { battle, prompts: [], messages: [], code: [], runs: [] });
  for (const t of turns) parts.get(t.battle_id)?.prompts.push(t.prompt);
  for (const m of messages) parts.get(m.battle_id)?.messages.push([m.turn, m.side, m.text]);
  for (const c of code) parts.get(c.battle_id)?.code.push([c.side, c.environment, c.language, c.code]);
  for (const { battle_id, ...run } of runs) parts.get(battle_id)?.runs.push(run);
  return parts;
}

/** A battle's export parts, from what it recorded. */
function partsOf(battle: BattleParts): ExportParts {
  const conversation = (side: 'a' | 'b'): ChatMessageRow[] =>
    battle.prompts.flatMap((prompt, turn) => {
      const answer = battle.messages.find(([t, s]) => t === turn && s === side);
      return [
        { role: 'user' as const, content: prompt },
        ...(answer ? [{ role: 'assistant' as const, content: answer[2] }] : []),
      ];
    });
  const lastCode = (side: 'a' | 'b'): { environment: string; language: string; code: string } | undefined => {
    const found = battle.code.filter(([s]) => s === side).at(-1);
    return found ? { environment: found[1], language: found[2], code: found[3] } : undefined;
  };
  const runs = (side: 'a' | 'b'): ExecutionRow[] =>
    battle.runs.filter((r) => r.side === side).map(({ side: _side, ...run }) => run);
  const executions = { a: runs('a'), b: runs('b') };
  const conversations = { a: conversation('a'), b: conversation('b') };
  const code = { a: lastCode('a'), b: lastCode('b') };
  const shown = code.a ?? code.b;
  // The answer's own run of the last turn: re-runs from the UI (possibly edited code) are not the model's.
  const last = (side: 'a' | 'b'): ExecutionRow | undefined =>
    executions[side].filter((e) => e.origin === 'answer' && e.turn === battle.prompts.length - 1)[0] ??
    executions[side].at(-1);
  const state = (side: 'a' | 'b'): BigCodeRewardRow['states']['model_A'] => ({
    messages: conversations[side].map((m): [string, string] => [m.role, m.content]),
    sandbox_logs_by_round: battle.prompts.map((_, turn) => executions[side].filter((e) => e.turn === turn)),
  });
  return {
    ...battle.battle,
    conversation_a: JSON.stringify(conversations.a),
    conversation_b: JSON.stringify(conversations.b),
    turns: battle.prompts.length,
    language: shown?.language ?? null,
    environment: shown?.environment ?? null,
    code_a: code.a?.code ?? null,
    code_b: code.b?.code ?? null,
    executions_a: JSON.stringify(executions.a),
    executions_b: JSON.stringify(executions.b),
    instruction: battle.prompts.join('\n\n'),
    output_a: last('a')?.stdout ?? '',
    output_b: last('b')?.stdout ?? '',
    error_a: last('a')?.stderr ?? '',
    error_b: last('b')?.stderr ?? '',
    states: JSON.stringify({ model_A: state('a'), model_B: state('b') }),
  };
}

/**
 * Serialise what the data sets say of these battles and keep it (`export_parts`), stamped with the
 * `updated_at` each battle had before its parts were read. They are kept only while the battle still has
 * that `updated_at`, under a share lock of its row: a change of its runs (which bumps `updated_at` and
 * deletes its parts, see `invalidateExportParts`) made meanwhile either comes first, and nothing is kept,
 * or waits, and deletes them. Called when a vote is committed, and by an export for battles it finds
 * without parts; returns what it built (kept or not).
 */
async function buildExportParts(
  dataSource: DatasetDb,
  candidates: { id: string; sourceAt: string }[],
): Promise<Map<string, ExportParts>> {
  if (candidates.length === 0) return new Map();
  const read = await readBattles(
    dataSource,
    candidates.map((b) => b.id),
  );
  const list = candidates.filter((b) => read.has(b.id));
  const built = new Map(list.map((b) => [b.id, partsOf(read.get(b.id)!)]));
  const columns = ['battle_id', 'source_at', ...PART_COLUMNS];
  const types = ['uuid', 'timestamptz', ...PART_COLUMNS.map((c) => PART_TYPES[c])];
  const values = [
    list.map((b) => b.id),
    list.map((b) => b.sourceAt),
    ...PART_COLUMNS.map((c) => list.map((b) => built.get(b.id)![c])),
  ];
  await dataSource.query(
    `INSERT INTO export_parts (${columns.join(', ')})
     SELECT u.* FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS u(${columns.join(', ')})
       JOIN battles b ON b.id = u.battle_id AND b.updated_at = u.source_at
       FOR SHARE OF b
     ON CONFLICT (battle_id) DO UPDATE SET ${columns
       .slice(1)
       .map((c) => `${c} = EXCLUDED.${c}`)
       .join(', ')}
     WHERE export_parts.source_at <= EXCLUDED.source_at`,
    values,
  );
  return built;
}

/** Build the export parts of battles (just voted on, or found without them), their `updated_at` read now. */
export async function buildExportPartsFor(
  dataSource: DatasetDb,
  battleIds: string[],
): Promise<Map<string, ExportParts>> {
  const rows = await dataSource.query<{ id: string; source_at: string }[]>(
    'SELECT id, updated_at::text AS source_at FROM battles WHERE id = ANY($1::uuid[])',
    [battleIds],
  );
  return buildExportParts(
    dataSource,
    rows.map((r) => ({ id: r.id, sourceAt: r.source_at })),
  );
}
