import type { RunStatus } from '@arena/contracts';
import type { BattleForJudging } from '@arena/judge';
import type { EntityManager } from 'typeorm';

/**
 * What a judge sees of a battle (and which turn is its last): every user turn, both last answers, and each side's first run of the
 * answer's own code (re-runs from the UI are not evidence). Read with SQL over the battle's tables:
 * `DISTINCT ON (side)` picks that first run in the one query.
 */
export async function judgingMaterial(
  manager: EntityManager,
  battleId: string,
  options: { screenshots?: boolean } = {},
): Promise<{ battle: BattleForJudging; turn: number } | undefined> {
  const turns = await manager.query<{ turn: number; prompt: string }[]>(
    'SELECT turn, prompt FROM turns WHERE battle_id = $1 ORDER BY turn',
    [battleId],
  );
  if (turns.length === 0) return undefined;
  const last = turns[turns.length - 1]!.turn;
  const answers = await manager.query<{ side: 'a' | 'b'; text: string }[]>(
    'SELECT side, text FROM side_messages WHERE battle_id = $1 AND turn = $2',
    [battleId, last],
  );
  // With the pictures (vision judges): the screenshot of that same run, base64, when it has one.
  const picture = options.screenshots
    ? `(SELECT translate(encode(s.jpeg, 'base64'), E'\\n', '') FROM run_screenshots s WHERE s.run_id = e.id)`
    : 'NULL';
  const runs = await manager.query<
    {
      side: 'a' | 'b';
      status: RunStatus;
      stdout: string;
      stderr: string;
      exit_code: number | null;
      screenshot: string | null;
      rendered: boolean | null;
    }[]
  >(
    `SELECT DISTINCT ON (side) side, status, stdout, stderr, exit_code, ${picture} AS screenshot,
            (SELECT NOT s.blank FROM run_screenshots s WHERE s.run_id = e.id) AS rendered FROM executions e
      WHERE battle_id = $1 AND turn = $2 AND origin = 'answer' AND status IS NOT NULL
      ORDER BY side, created_at`,
    [battleId, last],
  );
  const run = (side: 'a' | 'b'): BattleForJudging['executions']['a'] => {
    const r = runs.find((x) => x.side === side);
    return r
      ? {
          status: r.status,
          stdout: r.stdout,
          stderr: r.stderr,
          exitCode: r.exit_code,
          ...(r.rendered ? { rendered: true } : {}),
        }
      : undefined;
  };
  const executions: BattleForJudging['executions'] = {};
  const a = run('a');
  const b = run('b');
  if (a) executions.a = a;
  if (b) executions.b = b;
  const battle: BattleForJudging = {
    id: battleId,
    instruction: turns.map((t) => t.prompt).join('\n\n'),
    answers: {
      a: answers.find((x) => x.side === 'a')?.text ?? '',
      b: answers.find((x) => x.side === 'b')?.text ?? '',
    },
    executions,
  };
  const screenshots: NonNullable<BattleForJudging['screenshots']> = {};
  for (const r of runs) if (r.screenshot) screenshots[r.side] = r.screenshot;
  if (screenshots.a || screenshots.b) battle.screenshots = screenshots;
  return { battle, turn: last };
}
