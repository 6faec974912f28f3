import { Inject, Injectable } from '@nestjs/common';
import type { AgreementResponse, Winner } from '@arena/contracts';
import {
  bootstrapAgreement,
  combineOrders,
  compareBoards,
  rewardReport,
  type HumanVote,
  type JudgeMode,
  type JudgeVerdict,
  type Verdict,
} from '@arena/judge';
import { DataSource } from 'typeorm';
import { battleShown, voterCounted } from '../moderation/visibility.js';

const HUMAN: Record<Winner, Verdict> = { model_a: 'A', model_b: 'B', tie: 'tie', 'tie (bothbad)': 'both_bad' };

/**
 * BigCodeReward agreement of the arena's judges with its human votes, from the stored rows: each battle's two
 * orders combined into one verdict per (judge, mode), then the metrics overall, per category and environment.
 */
@Injectable()
export class RewardService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async agreement(filter: { judge?: string; mode?: JudgeMode }): Promise<AgreementResponse> {
    const votes = await this.dataSource.query<
      {
        battle_id: string;
        winner: Winner;
        category: string | null;
        environment: string | null;
        model_a_id: string;
        model_b_id: string;
      }[]
    >(
      `SELECT v.battle_id, v.winner, b.category, b.model_a_id, b.model_b_id,
              (SELECT c.environment FROM code_extractions c WHERE c.battle_id = b.id ORDER BY c.turn DESC, c.side LIMIT 1) AS environment
         FROM votes v JOIN battles b ON b.id = v.battle_id
        WHERE ${battleShown('v.battle_id')} AND ${voterCounted('v')}`,
    );
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.judge) where.push(`judge = $${params.push(filter.judge)}`);
    if (filter.mode) where.push(`mode = $${params.push(filter.mode)}`);
    const rows = await this.dataSource.query<
      {
        battle_id: string;
        judge: string;
        mode: JudgeMode;
        judge_order: 'ab' | 'ba';
        verdict: Verdict;
        screenshots: number | null;
      }[]
    >(
      `SELECT battle_id, judge, mode, judge_order, verdict, screenshots FROM judgements ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    const grouped = new Map<
      string,
      { id: string; judge: string; mode: JudgeMode; ab?: Verdict; ba?: Verdict; screenshots: number | null }
    >();
    for (const row of rows) {
      const key = `${row.battle_id}|${row.judge}|${row.mode}`;
      const group = grouped.get(key) ?? { id: row.battle_id, judge: row.judge, mode: row.mode, screenshots: null };
      group[row.judge_order] = row.verdict;
      if (row.screenshots !== null) group.screenshots = Math.max(group.screenshots ?? 0, row.screenshots);
      grouped.set(key, group);
    }
    // Per judge and mode, the battles whose verdict was made with pictures ('with') or without ('without').
    const pictured = new Map<string, Map<string, 'with' | 'without'>>();
    for (const g of grouped.values()) {
      if (g.screenshots === null) continue;
      const key = `${g.judge}|${g.mode}`;
      const map = pictured.get(key) ?? new Map<string, 'with' | 'without'>();
      map.set(g.id, g.screenshots > 0 ? 'with' : 'without');
      pictured.set(key, map);
    }
    const combined: (JudgeVerdict & { bias?: boolean })[] = [];
    for (const g of grouped.values()) {
      if (g.ab && g.ba) {
        const c = combineOrders(g.ab, g.ba);
        combined.push({ id: g.id, judge: g.judge, mode: g.mode, verdict: c.verdict, bias: c.positionBias });
      } else combined.push({ id: g.id, judge: g.judge, mode: g.mode, verdict: (g.ab ?? g.ba)! });
    }
    const human = (by: 'category' | 'environment'): HumanVote[] =>
      votes.map((v) => ({
        id: v.battle_id,
        vote: HUMAN[v.winner],
        category: (by === 'category' ? v.category : v.environment) ?? undefined,
      }));
    const byCategory = rewardReport(human('category'), combined);
    const byEnvironment = rewardReport(human('environment'), combined);
    const voted = new Set(votes.map((v) => v.battle_id));
    const models = new Map(
      (
        await this.dataSource.query<{ id: string; model_a_id: string; model_b_id: string }[]>(
          'SELECT id, model_a_id, model_b_id FROM battles WHERE id IN (SELECT DISTINCT battle_id FROM judgements)',
        )
      ).map((b) => [b.id, { modelA: b.model_a_id, modelB: b.model_b_id }]),
    );
    const humanBattles = votes.map((v) => ({ modelA: v.model_a_id, modelB: v.model_b_id, verdict: HUMAN[v.winner] }));
    const humanById = new Map(votes.map((v) => [v.battle_id, HUMAN[v.winner]]));
    const judges = byCategory.judges.map((j) => {
      const mine = combined.filter((c) => c.judge === j.judge && c.mode === j.mode);
      const pairs = mine.flatMap((c) => {
        const human = humanById.get(c.id);
        return human ? [{ human, judge: c.verdict }] : [];
      });
      const judgeBattles = mine.flatMap((c) => {
        const m = models.get(c.id);
        return m ? [{ ...m, verdict: c.verdict }] : [];
      });
      const both = combined.filter(
        (c) => c.judge === j.judge && c.mode === j.mode && c.bias !== undefined && voted.has(c.id),
      );
      const env = byEnvironment.judges.find((e) => e.judge === j.judge && e.mode === j.mode);
      return {
        ...j,
        positionBias: { n: both.length, rate: both.length ? both.filter((c) => c.bias).length / both.length : 0 },
        byEnvironment: env?.byCategory ?? {},
        intervals: bootstrapAgreement(pairs, 1_000, 42),
        leaderboard: compareBoards(humanBattles, judgeBattles),
        byScreenshots: this.byScreenshots(human('category'), mine, pictured.get(`${j.judge}|${j.mode}`)),
      };
    });
    const executionDelta = [...new Set(combined.map((c) => c.judge))].flatMap((judge) => {
      const withIds = new Set(
        combined.filter((c) => c.judge === judge && c.mode === 'with_execution').map((c) => c.id),
      );
      const withoutIds = new Set(
        combined.filter((c) => c.judge === judge && c.mode === 'without_execution').map((c) => c.id),
      );
      const common = new Set([...withIds].filter((id) => withoutIds.has(id) && voted.has(id)));
      if (common.size === 0) return [];
      const on = combined.filter((c) => c.judge === judge && common.has(c.id));
      const report = rewardReport(
        human('category').filter((v) => common.has(v.id)),
        on,
      );
      const w = report.judges.find((r) => r.mode === 'with_execution')!;
      const wo = report.judges.find((r) => r.mode === 'without_execution')!;
      return [
        {
          judge,
          n: common.size,
          fourClassAccuracy: w.fourClass.accuracy - wo.fourClass.accuracy,
          threeClassAccuracy: w.threeClass.accuracy - wo.threeClass.accuracy,
          fourClassMacroF1: w.fourClass.macroF1 - wo.fourClass.macroF1,
        },
      ];
    });
    return { judges, executionDelta, leftOut: byCategory.leftOut };
  }

  /** One judge's (and mode's) verdicts split by whether it was shown screenshots, each against the human votes. */
  private byScreenshots(
    votes: HumanVote[],
    verdicts: JudgeVerdict[],
    pictured: Map<string, 'with' | 'without'> | undefined,
  ): AgreementResponse['judges'][number]['byScreenshots'] {
    if (!pictured) return {};
    const split = votes.flatMap((v) => {
      const group = pictured.get(v.id);
      return group ? [{ id: v.id, vote: v.vote, category: group }] : [];
    });
    const report = rewardReport(
      split,
      verdicts.filter((c) => pictured.has(c.id)),
    ).judges[0]?.byCategory;
    return {
      ...(report?.['with'] ? { with: report['with'] } : {}),
      ...(report?.['without'] ? { without: report['without'] } : {}),
    };
  }
}
