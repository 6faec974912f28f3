import { randomUUID } from 'node:crypto';
import { SIDES, type BattleStatus, type ModelRef, type RunFigureState, type Side, type Winner } from '@arena/contracts';
import { IsNull, type EntityManager } from 'typeorm';
import { battleShown } from '../moderation/visibility.js';
import { RunFiguresRepository } from './run-figures.repository.js';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import {
  BattleEntity,
  CodeExtractionEntity,
  ExecutionEntity,
  SideMessageEntity,
  TurnEntity,
} from './entities/index.js';

export interface NewBattle {
  id: string;
  category: string | null;
  models: { a: ModelRef; b: ModelRef };
  creatorVoterId: string;
  sessionId: string | null;
  createdAt: Date;
  prompt: string;
  turnId: string;
  messageIds: Record<Side, string>;
}

/** A battle a process is working on: generating its answers or running their code. */
const OPEN: BattleStatus[] = ['generating', 'running'];

/** A user turn of a battle: its prompt, and the ids of the turn row and of both sides' answers. */
export type NewTurn = Pick<NewBattle, 'id' | 'prompt' | 'models' | 'turnId' | 'messageIds'> & { turn: number };

/** A user turn of an imported conversation and each side's answer to it (when the source has one). */
export interface ImportedTurn {
  prompt: string;
  answers: Partial<Record<Side, string>>;
}

/** A session's battle as its pages list it. */
export interface SessionBattleRow {
  id: string;
  status: BattleStatus;
  winner: Winner | null;
  modelAId: string;
  modelBId: string;
  createdAt: Date;
  prompt: string;
}

/**
 * The battle aggregate's tables (battles, turns, side_messages, code_extractions, executions): the only
 * class that writes them. Works in the manager it is given, so its writes join the caller's transaction.
 * One query style: TypeORM's repositories and query builder.
 */
export class BattlesRepository {
  constructor(private readonly manager: EntityManager) {}

  /** A battle, its first turn and both (empty) answers, in one transaction: durable before anyone hears of it. */
  async create(battle: NewBattle): Promise<void> {
    await this.manager.transaction(async (tx) => {
      await tx.insert(BattleEntity, {
        id: battle.id,
        status: 'generating',
        category: battle.category,
        modelAId: battle.models.a.id,
        modelBId: battle.models.b.id,
        creatorVoterId: battle.creatorVoterId,
        anony: true,
        sessionId: battle.sessionId,
        createdAt: battle.createdAt,
      });
      await insertTurn(tx, { ...battle, turn: 0 });
    });
  }

  /**
   * Open a follow-up turn: the battle goes back to `generating` only while it is open for its vote (so of a
   * follow-up and a vote racing, exactly one wins), and the turn and both (empty) answers are stored, in one
   * transaction. Returns whether the turn was opened.
   */
  async addTurn(battle: NewTurn): Promise<boolean> {
    return this.manager.transaction(async (tx) => {
      const reopened = await tx
        .getRepository(BattleEntity)
        .update({ id: battle.id, status: 'voting' }, { status: 'generating' });
      if (!reopened.affected) return false;
      await insertTurn(tx, battle);
      return true;
    });
  }

  /** Battles imported whole (already revealed), with every user turn and, where known, both sides' answers. */
  async importRevealed(
    battles: (Pick<BattleEntity, 'id' | 'category' | 'modelAId' | 'modelBId' | 'creatorVoterId' | 'anony'> & {
      winner: Winner;
      at: Date;
      turns: ImportedTurn[];
    })[],
  ): Promise<void> {
    if (battles.length === 0) return;
    await this.manager.insert(
      BattleEntity,
      battles.map((b) => ({
        id: b.id,
        status: 'revealed' as const,
        category: b.category,
        modelAId: b.modelAId,
        modelBId: b.modelBId,
        creatorVoterId: b.creatorVoterId,
        anony: b.anony,
        winner: b.winner,
        createdAt: b.at,
        revealedAt: b.at,
      })),
    );
    const turns = battles.flatMap((b) => b.turns.map((t, turn) => ({ battle: b, turn, ...t })));
    // Long conversations: at most 1,000 rows a statement (PostgreSQL takes 65,535 parameters).
    for (let i = 0; i < turns.length; i += 1000) {
      await this.manager.insert(
        TurnEntity,
        turns
          .slice(i, i + 1000)
          .map((t) => ({ id: randomUUID(), battleId: t.battle.id, turn: t.turn, prompt: t.prompt })),
      );
    }
    const answers = turns.flatMap((t) =>
      SIDES.flatMap((side) => {
        const text = t.answers[side];
        if (text === undefined) return [];
        const modelId = side === 'a' ? t.battle.modelAId : t.battle.modelBId;
        const row = { id: randomUUID(), battleId: t.battle.id, turn: t.turn, side, modelId, text };
        return [{ ...row, finishReason: 'stop' as const, createdAt: t.battle.at, updatedAt: t.battle.at }];
      }),
    );
    for (let i = 0; i < answers.length; i += 1000)
      await this.manager.insert(SideMessageEntity, answers.slice(i, i + 1000));
  }

  /** A web run's preview page, or null when the run has none (or does not exist, or its battle was hidden). */
  async previewOf(runId: string): Promise<string | null> {
    const run = await this.manager
      .getRepository(ExecutionEntity)
      .createQueryBuilder('e')
      .select('e.preview', 'preview')
      .where(`e.id = :runId AND ${battleShown('e.battle_id')}`, { runId })
      .getRawOne<{ preview: string | null }>();
    return run?.preview ?? null;
  }

  findById(id: string): Promise<BattleEntity | null> {
    return this.manager.getRepository(BattleEntity).findOneBy({ id });
  }

  async setStatus(id: string, status: BattleStatus): Promise<void> {
    await this.manager.getRepository(BattleEntity).update({ id }, { status });
  }

  /**
   * Battles still `generating` or `running` although created longer ago than `olderThanMs` (a process died
   * under them), but for those in `except`, become `failed`; returns how many.
   */
  async failAbandoned(olderThanMs: number, except: string[] = []): Promise<number> {
    const query = this.manager
      .createQueryBuilder()
      .update(BattleEntity)
      .set({ status: 'failed' })
      .where('status IN (:...open)', { open: OPEN })
      .andWhere("created_at < now() - (:ms::int * interval '1 millisecond')", { ms: olderThanMs });
    if (except.length > 0) query.andWhere('id NOT IN (:...except)', { except });
    const result = await query.execute();
    return result.affected ?? 0;
  }

  /** Battles `generating` or `running` created longer ago than `olderThanMs` (0: all of them), oldest first. */
  async openBattles(olderThanMs: number): Promise<string[]> {
    const rows = await this.manager
      .getRepository(BattleEntity)
      .createQueryBuilder('b')
      .select('b.id', 'id')
      .where('b.status IN (:...open)', { open: OPEN })
      .andWhere("b.created_at <= now() - (:ms::int * interval '1 millisecond')", { ms: olderThanMs })
      .orderBy('b.created_at')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /**
   * Settle a battle still `generating` or `running` that no process runs any more (its process died): every
   * answer that had not ended keeps the text written so far and ends `error` with `notes.answer`; every run
   * that had not ended keeps its output and ends `internal_error` with `notes.run`; the battle is open for its
   * vote when its latest turn has text on either side, or is a follow-up (the earlier turns are there to vote
   * on, as when both sides of a follow-up fail), else `failed`. One transaction, with the battle row locked, so
   * of two processes settling it one does. Returns what it became, or undefined when it was no longer open.
   */
  async settleStopped(
    id: string,
    notes: { answer: string; run: string; detail: string },
  ): Promise<{ status: 'voting' | 'failed'; turn: number; runs: number } | undefined> {
    return this.manager.transaction(async (tx) => {
      const battle = await tx
        .getRepository(BattleEntity)
        .createQueryBuilder('b')
        .setLock('pessimistic_write')
        .where('b.id = :id AND b.status IN (:...open)', { id, open: OPEN })
        .getOne();
      if (!battle) return undefined;
      await tx
        .createQueryBuilder()
        .update(SideMessageEntity)
        .set({ finishReason: 'error', error: notes.answer, errorDetail: notes.detail })
        .where('battle_id = :id AND finish_reason IS NULL', { id })
        .execute();
      const note = `\n[internal_error] ${notes.run}\n`;
      const open = await tx.getRepository(ExecutionEntity).find({
        select: { id: true, output: true, stderr: true, stderrRanges: true },
        where: { battleId: id, status: IsNull() },
      });
      for (const run of open) {
        // The note is stderr: where it sits is counted here, in the same units as the live ranges (UTF-16).
        const noted: [number, number] = [run.output.length, run.output.length + note.length];
        const ranges = run.stderrRanges ?? (run.stderr ? null : []);
        await tx.getRepository(ExecutionEntity).update(
          { id: run.id },
          {
            status: 'internal_error',
            message: notes.run,
            output: run.output + note,
            stderr: run.stderr + note,
            stderrRanges: ranges && [...ranges, noted],
            finishedAt: () => 'now()',
          },
        );
      }
      const answers = await tx
        .getRepository(SideMessageEntity)
        .createQueryBuilder('m')
        .select('m.turn', 'turn')
        .addSelect("m.text <> ''", 'written')
        .where('m.battle_id = :id', { id })
        .getRawMany<{ turn: number; written: boolean }>();
      const turn = Math.max(0, ...answers.map((a) => Number(a.turn)));
      const written = answers.some((a) => Number(a.turn) === turn && a.written);
      const status = written || turn > 0 ? 'voting' : 'failed';
      await tx.getRepository(BattleEntity).update({ id }, { status });
      return { status, turn, runs: open.length };
    });
  }

  /**
   * Reveal a battle still open for its vote: its status, winner and time (the database's). Returns whether
   * this call revealed it (false: it was revealed already, or is not open yet, or failed).
   */
  async reveal(id: string, winner: Winner | null): Promise<boolean> {
    const result = await this.manager
      .getRepository(BattleEntity)
      .update({ id, status: 'voting' }, { status: 'revealed', winner, revealedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }

  /** What the battle recorded changed after it was stored: `updated_at` moves on (data sets key on it). */
  async touch(id: string): Promise<void> {
    await this.manager.getRepository(BattleEntity).update({ id }, { updatedAt: () => 'now()' });
  }

  /**
   * A session's battle, locked `FOR UPDATE` for the rest of the caller's transaction (the host's close): it
   * waits for the votes that hold the row `FOR SHARE` (see `VotesRepository.insert`) and later votes wait
   * for it, so the close's tally holds every vote acknowledged before it.
   */
  lockInSession(id: string, sessionId: string): Promise<BattleEntity | null> {
    return this.manager
      .getRepository(BattleEntity)
      .createQueryBuilder('b')
      .setLock('pessimistic_write')
      .where('b.id = :id AND b.session_id = :sessionId', { id, sessionId })
      .getOne();
  }

  async statusOf(id: string): Promise<BattleStatus | undefined> {
    const row = await this.manager.getRepository(BattleEntity).findOne({ select: { status: true }, where: { id } });
    return row?.status;
  }

  /** A session's battles in the order they were started, each with its first prompt. */
  async inSession(sessionId: string): Promise<SessionBattleRow[]> {
    const rows = await this.manager
      .getRepository(BattleEntity)
      .createQueryBuilder('b')
      .innerJoin(TurnEntity, 't', 't.battle_id = b.id AND t.turn = 0')
      .select([
        'b.id AS id',
        'b.status AS status',
        'b.winner AS winner',
        'b.model_a_id AS model_a_id',
        'b.model_b_id AS model_b_id',
        'b.created_at AS created_at',
        't.prompt AS prompt',
      ])
      .where(`b.session_id = :sessionId AND ${battleShown('b.id')}`, { sessionId })
      .orderBy('b.created_at')
      .addOrderBy('b.id')
      .getRawMany<{
        id: string;
        status: BattleStatus;
        winner: Winner | null;
        model_a_id: string;
        model_b_id: string;
        created_at: Date;
        prompt: string;
      }>();
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      winner: r.winner,
      modelAId: r.model_a_id,
      modelBId: r.model_b_id,
      createdAt: new Date(r.created_at),
      prompt: r.prompt,
    }));
  }

  /** The latest battles with their first prompts, newest first (hidden ones left out). */
  async recent(limit: number): Promise<{ id: string; createdAt: Date; status: BattleStatus; prompt: string }[]> {
    const rows = await this.manager
      .getRepository(BattleEntity)
      .createQueryBuilder('b')
      .innerJoin(TurnEntity, 't', 't.battle_id = b.id AND t.turn = 0')
      .select(['b.id AS id', 'b.created_at AS created_at', 'b.status AS status', 't.prompt AS prompt'])
      .where(battleShown('b.id'))
      .orderBy('b.created_at', 'DESC')
      .limit(limit)
      .getRawMany<{ id: string; created_at: Date; status: BattleStatus; prompt: string }>();
    return rows.map((r) => ({ id: r.id, createdAt: new Date(r.created_at), status: r.status, prompt: r.prompt }));
  }

  /** Everything a battle recorded, for a snapshot read from the database. */
  async contents(battleId: string): Promise<{
    turns: TurnEntity[];
    messages: SideMessageEntity[];
    extractions: CodeExtractionEntity[];
    executions: ExecutionEntity[];
  }> {
    const [turns, messages, extractions, executions] = await Promise.all([
      this.manager.getRepository(TurnEntity).find({ where: { battleId }, order: { turn: 'ASC' } }),
      this.manager.getRepository(SideMessageEntity).findBy({ battleId }),
      this.manager.getRepository(CodeExtractionEntity).findBy({ battleId }),
      this.manager.getRepository(ExecutionEntity).find({ where: { battleId }, order: { createdAt: 'ASC' } }),
    ]);
    return { turns, messages, extractions, executions };
  }

  /** The runs of a battle that have a picture of what they rendered (`run_screenshots`, written by the screenshots feature). */
  async runsWithScreenshots(battleId: string): Promise<Set<string>> {
    const rows = await this.manager.query<{ run_id: string }[]>(
      'SELECT s.run_id FROM run_screenshots s JOIN executions e ON e.id = s.run_id WHERE e.battle_id = $1',
      [battleId],
    );
    return new Set(rows.map((r) => r.run_id));
  }

  /** The figures of a battle's runs, by run, without their pictures (`run_figures`, written by the figures feature). */
  runFigures(battleId: string): Promise<Map<string, RunFigureState[]>> {
    return new RunFiguresRepository(this.manager).ofBattle(battleId);
  }

  async updateMessage(
    where: { battleId: string; turn: number; side: Side },
    values: QueryDeepPartialEntity<SideMessageEntity>,
  ): Promise<void> {
    await this.manager.getRepository(SideMessageEntity).update(where, values);
  }

  async insertExtraction(extraction: QueryDeepPartialEntity<CodeExtractionEntity>): Promise<void> {
    await this.manager.getRepository(CodeExtractionEntity).insert(extraction);
  }

  async insertExecution(execution: QueryDeepPartialEntity<ExecutionEntity>): Promise<void> {
    await this.manager.getRepository(ExecutionEntity).insert(execution);
  }

  async updateExecution(id: string, values: QueryDeepPartialEntity<ExecutionEntity>): Promise<void> {
    await this.manager.getRepository(ExecutionEntity).update({ id }, values);
  }

  /**
   * Append to a run's stored output (a web preview's console arrives after the run ended): stdout's part, then
   * stderr's, as they were sent; `stderrRanges` is where stderr now sits in the whole output.
   */
  async appendExecutionOutput(
    id: string,
    stdout: string,
    stderr: string,
    stderrRanges: [number, number][] | undefined,
  ): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .update(ExecutionEntity)
      .set({
        output: () => 'output || :output',
        stdout: () => 'stdout || :stdout',
        stderr: () => 'stderr || :stderr',
        stderrRanges: stderrRanges ?? null,
      })
      .where('id = :id', { id })
      .setParameters({ output: stdout + stderr, stdout, stderr })
      .execute();
  }
}

/** A turn's prompt and both sides' (empty) answers. */
async function insertTurn(tx: EntityManager, turn: NewTurn): Promise<void> {
  await tx.insert(TurnEntity, { id: turn.turnId, battleId: turn.id, turn: turn.turn, prompt: turn.prompt });
  await tx.insert(
    SideMessageEntity,
    SIDES.map((side) => ({
      id: turn.messageIds[side],
      battleId: turn.id,
      turn: turn.turn,
      side,
      modelId: turn.models[side].id,
      text: '',
    })),
  );
}
