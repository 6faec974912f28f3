import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { LeaderboardQuery, LeaderboardResponse, MatrixQuery, MatrixResponse } from '@arena/contracts';
import {
  aggregate,
  battleCountMatrix,
  VoteCleaner,
  computeContextualLeaderboardThreaded,
  computeLeaderboard,
  DEFAULT_IDENTITY_WORDS,
  dedupPrompts,
  EXECUTION_FEATURES,
  ExecutionBattlesBuilder,
  executionFeatures,
  removeAnomalousVoters,
  STYLE_FEATURES,
  styleAndExecutionFeatures,
  styleFeatures,
  identityPattern,
  onlineElo,
  PairCountsBuilder,
  StyleBattlesBuilder,
  styleCounts,
  winRateMatrix,
  type IntegrityVote,
  type PairCounts,
  type HygieneReport,
  type ContextLeaderboard,
  type Leaderboard,
} from '@arena/ranking';
import { DataSource } from 'typeorm';
import { ModelEntity } from '../models/model.entity.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { BoardSnapshots, countedVotes, type BoardSource } from './board-snapshots.js';
import { fillFacts, identityKey, promptPreviews, readFacts, type BoardRow } from './vote-facts.js';
import type { VoteCursor } from './vote-rows.js';

/** After a vote, the default board is refit this soon (votes arriving meanwhile share the refit). */
const REFIT_DEBOUNCE_MS = 250;
/**
 * Votes are read incrementally after a vote; everything is re-read this often (imports, other writers), in
 * the background, and at least ten times as long as the last full read took.
 */
const FULL_RELOAD_MS = 60_000;

interface CleanData {
  /** The cleaned votes: the first `length` of `kept` (which later cleanings may append to). */
  kept: readonly BoardRow[];
  length: number;
  report: HygieneReport;
  names: Map<string, string>;
  at: Date;
  facets: LeaderboardResponse['facets'];
  /** The default board's pair counts and online Elo over the cleaned votes. */
  counts: PairCounts;
  elo: Map<string, number>;
  /** What the boards computed from this are computed from (their snapshots' fingerprint). */
  source: BoardSource;
}

/** The cleaned votes of a read (a copy, made once, for the boards that filter them). */
const rowsCopies = new WeakMap<CleanData, BoardRow[]>();
function rowsOf(data: CleanData): BoardRow[] {
  let rows = rowsCopies.get(data);
  if (!rows) rowsCopies.set(data, (rows = data.kept.slice(0, data.length)));
  return rows;
}

/**
 * The default board's pair counts, its online Elo (FastChat's order-dependent `compute_elo`) and the facets,
 * over the cleaned votes so far: between two cleanings started over, the cleaned votes only grow at the end,
 * so each vote is counted once, when it is appended, instead of every vote at every refit.
 */
class Running {
  private readonly pairs = new PairCountsBuilder();
  private elo = new Map<string, number>();
  private readonly categories = new Set<string>();
  private readonly languages = new Set<string>();
  private readonly environments = new Set<string>();
  private counted = 0;

  /** Counts the votes of `kept` after the ones counted so far. */
  update(kept: readonly BoardRow[]): Pick<CleanData, 'counts' | 'elo' | 'facets' | 'length'> {
    const fresh = kept.slice(this.counted);
    for (const row of fresh) {
      this.pairs.add(row.model_a, row.model_b, row.winner);
      if (row.category) this.categories.add(row.category);
      for (const l of row.languages) if (l) this.languages.add(l);
      for (const e of row.environments) if (e) this.environments.add(e);
    }
    // onlineElo from the ratings so far: the same sequence of updates as over every vote in order.
    this.elo = onlineElo(fresh, { from: this.elo });
    this.counted = kept.length;
    return {
      length: kept.length,
      counts: this.pairs.build(),
      elo: this.elo,
      facets: {
        categories: [...this.categories].sort(),
        languages: [...this.languages].sort(),
        environments: [...this.environments].sort(),
      },
    };
  }
}

function keyOf(query: LeaderboardQuery): string {
  return JSON.stringify([
    query.category ?? '',
    query.language ?? '',
    query.environment ?? '',
    query.bothRan ?? '',
    query.sessions ?? 'include',
    query.turns ?? '',
    query.style ?? 'off',
    query.control ?? 'none',
    query.anomaly ?? 'off',
    query.dedup ?? 'off',
  ]);
}

const NO_COUNTS = [0, 0, 0, 0, 0, 0, 0, 0];

function pick<T, K extends string>(values: Record<string, T>, keys: readonly K[]): Record<K, T> {
  return Object.fromEntries(keys.map((k) => [k, values[k]!])) as Record<K, T>;
}

/**
 * The vote-integrity checks a board asks for, in FastChat's order: prompt de-duplication (of the prompts
 * above the 99.99th percentile of frequency, int(cutoff) votes kept each), then the per-voter anomaly test
 * on what is left (α = 0.05); each reports what it removed.
 */
export function checkIntegrity<T extends IntegrityVote & { dedupKey: string }>(
  rows: T[],
  query: Pick<LeaderboardQuery, 'anomaly' | 'dedup'>,
): { rows: T[]; integrity?: NonNullable<LeaderboardResponse['integrity']> } {
  if (query.anomaly !== 'on' && query.dedup !== 'on') return { rows };
  const integrity: NonNullable<LeaderboardResponse['integrity']> = {};
  if (query.dedup === 'on') {
    const { kept, report } = dedupPrompts(rows, (row) => row.dedupKey);
    rows = kept;
    // Every frequent prompt, by its key: `showIntegrity` keeps the first twenty.
    integrity.dedup = report;
  }
  if (query.anomaly === 'on') {
    const { kept, report } = removeAnomalousVoters(rows);
    rows = kept;
    // Voters are not named: only how many votes each had and when the test rejected.
    integrity.anomaly = {
      ...report,
      flagged: report.flagged.map(({ votes, testedVotes }) => ({ votes, testedVotes })),
    };
  }
  return { rows, integrity };
}

/**
 * The integrity report as the API shows it: the 20 most frequent prompts (at equal counts, in the order of the
 * prompts: `previews` gives the prompt's start for each key that is a hash standing for it), 120 characters of
 * each.
 */
export function showIntegrity(
  integrity: NonNullable<LeaderboardResponse['integrity']>,
  previews: ReadonlyMap<string, string> = new Map(),
): NonNullable<LeaderboardResponse['integrity']> {
  if (!integrity.dedup) return integrity;
  const shown = integrity.dedup.highFrequency.map((h) => ({ ...h, prompt: previews.get(h.prompt) ?? h.prompt }));
  shown.sort((x, y) => y.count - x.count || (x.prompt < y.prompt ? -1 : x.prompt > y.prompt ? 1 : 0));
  return {
    ...integrity,
    dedup: {
      ...integrity.dedup,
      highFrequency: shown.slice(0, 20).map((h) => ({ ...h, prompt: h.prompt.slice(0, 120) })),
    },
  };
}

export function matchesQuery(
  row: Pick<BoardRow, 'category' | 'languages' | 'environments' | 'bothRan' | 'session' | 'turns'>,
  query: LeaderboardQuery,
): boolean {
  if (query.category && row.category !== query.category) return false;
  if (query.language && !row.languages.includes(query.language)) return false;
  if (query.environment && !row.environments.includes(query.environment)) return false;
  if (query.bothRan && row.bothRan !== (query.bothRan === 'true')) return false;
  if (query.sessions === 'exclude' && row.session) return false;
  if (query.sessions === 'only' && !row.session) return false;
  if (query.turns && row.turns > 1 !== (query.turns === 'multi')) return false;
  return true;
}

/**
 * The arena's own models' ids and names (and names without a parenthesised note, "Demo Atlas (scripted)"):
 * an answer that names one reveals who wrote it. Models only imported from FastChat files are left out: their
 * battles were cleaned by FastChat's own word list.
 */
export function arenaModelWords(models: Pick<ModelEntity, 'id' | 'name' | 'provider'>[]): string[] {
  return models
    .filter((m) => m.provider !== 'imported')
    .flatMap((m) => [m.id, m.name, m.name.replace(/\s*\(.*\)\s*$/, '')])
    .filter((w) => w.trim().length >= 3);
}

/** Model id → display name. */
function namesOf(models: Pick<ModelEntity, 'id' | 'name'>[]): Map<string, string> {
  return new Map(models.map((m) => [m.id, m.name]));
}

/**
 * The leaderboard from human votes: hygiene rules, then Bradley-Terry with bootstrap intervals, per
 * breakdown. Results are cached until the next vote; a vote schedules one debounced refit, warm-started
 * from the previous ratings, so a burst of votes costs one fit.
 */
@Injectable()
export class LeaderboardService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = createLogger(LeaderboardService.name);
  private data: Promise<CleanData> | undefined;
  /** Every vote read so far, identity check done, and where reading stopped. */
  private raw: BoardRow[] = [];
  private cursor: VoteCursor | undefined;
  private fullReloadAt = 0;
  /** The next read reads every vote (votes came back). */
  private readAll = false;
  /** Bumped each time a full read replaces what was read. */
  private epoch = 0;
  private rereading: Promise<void> | undefined;
  /** Votes were taken out since the last read: what was read is filtered again. */
  private withdrawn = false;
  /** Bumped whenever `raw` is replaced or filtered rather than appended to. */
  private rawVersion = 0;
  /** The cleaning of `raw` so far: its first `cleaned` votes, as of `cleanerVersion`. */
  private cleaner: VoteCleaner<BoardRow> | undefined;
  private running = new Running();
  /** The first full read, started at boot; the first board takes it over. */
  private warm: Promise<{ fresh: BoardRow[] & { cursor?: VoteCursor }; tookMs: number }> | undefined;
  private cleaned = 0;
  private cleanerVersion = -1;
  private readonly boards = new Map<string, Promise<LeaderboardResponse>>();
  private readonly strengths = new Map<string, Map<string, number>>();
  private refit: NodeJS.Timeout | undefined;
  private generation = 0;
  /**
   * Battles hidden and voters banned while the arena runs: their votes are dropped from what was read (and
   * from a read under way when they were taken out). A full read's query leaves them out by itself.
   */
  private readonly hiddenBattles = new Set<string>();
  private bannedVoters: Promise<Set<string>> = Promise.resolve(new Set());
  /** The boards last computed, kept in the database: served while the first read of every vote is under way. */
  private readonly snapshots: BoardSnapshots;
  /**
   * The snapshots of what the database holds now (none when something counted changed since), until the first
   * read of every vote is done: from then on boards are computed from what was read, never taken from them.
   */
  private snapshot: Promise<Map<string, LeaderboardResponse>> | undefined;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(DomainEvents) events: DomainEvents,
  ) {
    this.snapshots = new BoardSnapshots(dataSource, config.leaderboard, this.logger);
    // A revealed battle's votes count from now on (a standalone vote, or a session's closed vote).
    events.on('battle.revealed', () => this.invalidate());
    // An operator took votes out: they leave the votes read so far at once (the next board refit does not
    // count them), with no re-read of every vote.
    events.on('battle.hidden', ({ battleId }) => {
      this.hiddenBattles.add(battleId);
      this.withdrawn = true;
      this.invalidate();
    });
    events.on('voter.banned', () => {
      this.bannedVoters = this.dataSource
        .query<{ voter_id: string }[]>('SELECT voter_id FROM voter_bans')
        .then((rows) => new Set(rows.map((r) => r.voter_id)));
      this.withdrawn = true;
      this.invalidate();
    });
    // Votes came back: they are read again, in their place in the order (a full read).
    events.on('battle.shown', ({ battleId }) => {
      this.hiddenBattles.delete(battleId);
      this.reload();
    });
    events.on('voter.unbanned', () => {
      this.bannedVoters = Promise.resolve(new Set());
      this.reload();
    });
  }

  private async counted(rows: BoardRow[]): Promise<BoardRow[]> {
    const banned = await this.bannedVoters;
    if (this.hiddenBattles.size === 0 && banned.size === 0) return rows;
    return rows.filter((row) => !this.hiddenBattles.has(row.battleId) && !banned.has(row.voter));
  }

  /** Votes came back (a battle shown again, a voter unbanned): read every vote again and refit. */
  reload(): void {
    this.readAll = true;
    this.invalidate();
  }

  /** A vote was recorded: drop cached boards and refit the default one shortly. */
  invalidate(): void {
    this.invalidateData();
    clearTimeout(this.refit);
    this.refit = setTimeout(() => {
      this.leaderboard({}).catch((err: unknown) => this.logger.warn({ err }, 'leaderboard refit failed'));
    }, REFIT_DEBOUNCE_MS);
    this.refit.unref();
  }

  private invalidateData(): void {
    this.generation += 1;
    this.data = undefined;
    this.boards.clear();
  }

  /**
   * At boot, the votes' facts are filled in (the votes cast before `vote_facts` existed, or whose facts were
   * computed with another identity-word list: the answers are read once, in batches) and read, in the
   * background, so the first board does not start from nothing.
   */
  onApplicationBootstrap(): void {
    // While the votes are read (minutes at a million votes), the boards last computed, if nothing counted
    // changed since: checked first, so that on the embedded database, which runs one query at a time, the
    // check does not wait behind the read's queries.
    const snapshot = (async () => {
      const models = await this.dataSource.getRepository(ModelEntity).find();
      const snapshots = await this.snapshots.load({
        ...(await countedVotes(this.dataSource)),
        identity: identityKey(this.identityPatternOf(models)),
        names: namesOf(models),
      });
      if (snapshots.size > 0)
        this.logger.info({ boards: snapshots.size }, 'serving the last boards while reading the votes');
      return snapshots;
    })().catch((err: unknown) => {
      this.logger.warn({ err }, 'reading the leaderboard snapshots failed');
      return new Map<string, LeaderboardResponse>();
    });
    this.snapshot = snapshot;
    this.warm = (async () => {
      await snapshot;
      const models = await this.dataSource.getRepository(ModelEntity).find();
      const read = await this.readAllVotes(this.identityPatternOf(models));
      // The tokenizer the facts' style counts need takes a second to load (o200k's ranks): loaded now, with
      // the read, rather than by the first vote after it (the first vote to board took 1.2–2.2 s, the next 60 ms).
      styleCounts(['']);
      return read;
    })();
    // The first board awaits it (and reports its failure); unhandled meanwhile it would crash the process.
    this.warm.catch((err: unknown) => this.logger.warn({ err }, 'reading the votes at boot failed'));
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.refit);
    await this.snapshots.flush();
  }

  /**
   * Votes after `since` (all of them without), from their facts: the facts missing there (votes that just came
   * to count, votes written by other writers, facts of another identity-word list) are computed first, from
   * the answers, and written.
   */
  private async readVotes(
    pattern: RegExp | undefined,
    since?: VoteCursor,
  ): Promise<BoardRow[] & { cursor?: VoteCursor }> {
    const started = performance.now();
    const { written } = await fillFacts(this.dataSource, pattern, since ? { since } : {});
    if (written > 0 && !since)
      this.logger.info({ votes: written, ms: Math.round(performance.now() - started) }, 'vote facts filled in');
    return readFacts(this.dataSource, since ? { since } : {});
  }

  /** The identity words the facts are checked against: the configured (or FastChat's) and the arena's model names. */
  private identityPatternOf(models: ModelEntity[]): RegExp | undefined {
    return identityPattern([
      ...(this.config.leaderboard.identityWords ?? DEFAULT_IDENTITY_WORDS),
      ...arenaModelWords(models),
    ]);
  }

  /** Every vote read at once, in place of what was read (the cursor restarts from there). */
  private async replaceRaw(fresh: BoardRow[] & { cursor?: VoteCursor }, tookMs: number): Promise<void> {
    this.epoch += 1;
    this.rawVersion += 1;
    this.raw = await this.counted(fresh);
    this.cursor = fresh.cursor;
    // A full read of a million votes takes minutes: the next one waits at least ten times as long.
    this.fullReloadAt = Date.now() + Math.max(FULL_RELOAD_MS, 10 * tookMs);
  }

  /** Every vote, and how long reading them took. */
  private async readAllVotes(
    pattern: RegExp | undefined,
  ): Promise<{ fresh: BoardRow[] & { cursor?: VoteCursor }; tookMs: number }> {
    const started = performance.now();
    const fresh = await this.readVotes(pattern);
    return { fresh, tookMs: performance.now() - started };
  }

  /**
   * New votes since the last read (every vote on the first read, or when votes came back), their facts
   * checked against the identity words of `pattern`.
   */
  private async votes(pattern: RegExp | undefined): Promise<BoardRow[]> {
    const warm = this.warm;
    if (warm) {
      this.warm = undefined;
      const { fresh, tookMs } = await warm;
      await this.replaceRaw(fresh, tookMs);
      // Votes other writers added since it read (votes that had no facts): read all again.
      if ((await fillFacts(this.dataSource, pattern)).added > 0) this.readAll = true;
    }
    if (this.readAll || !this.cursor) {
      this.readAll = false;
      const { fresh, tookMs } = await this.readAllVotes(pattern);
      await this.replaceRaw(fresh, tookMs);
      return this.raw;
    }
    const epoch = this.epoch;
    const fresh = await this.readVotes(pattern, this.cursor);
    // A full read replaced what was read meanwhile: these may be in it already; the next read starts from
    // its cursor.
    if (epoch !== this.epoch) return this.raw;
    this.raw.push(...fresh);
    if (fresh.cursor) this.cursor = fresh.cursor;
    if (this.withdrawn) {
      this.withdrawn = false;
      this.raw = await this.counted(this.raw);
      this.rawVersion += 1;
    }
    return this.raw;
  }

  /**
   * The periodic full read (votes other writers added behind the cursor: an import, another process), in the
   * background: boards keep being served from what was read until it is done, then are refitted from it.
   */
  private rereadInBackground(): void {
    if (this.rereading) return;
    this.fullReloadAt = Date.now() + FULL_RELOAD_MS;
    this.rereading = (async () => {
      const models = await this.dataSource.getRepository(ModelEntity).find();
      const { fresh, tookMs } = await this.readAllVotes(this.identityPatternOf(models));
      await this.replaceRaw(fresh, tookMs);
      this.invalidate();
    })()
      .catch((err: unknown) => this.logger.warn({ err }, 'periodic full read of the votes failed'))
      .finally(() => {
        this.rereading = undefined;
      });
  }

  private clean(): Promise<CleanData> {
    if (this.data && Date.now() >= this.fullReloadAt) this.rereadInBackground();
    this.data ??= (async () => {
      const models = await this.dataSource.getRepository(ModelEntity).find();
      const pattern = this.identityPatternOf(models);
      const votes = await this.votes(pattern);
      // The votes read since the last clean were appended: only they are cleaned (a full read or votes
      // taken out start the cleaning over).
      if (!this.cleaner || this.cleanerVersion !== this.rawVersion || this.cleaned > votes.length) {
        const options = this.config.leaderboard;
        this.cleaner = new VoteCleaner<BoardRow>({
          ...(options.identityWords ? { identityWords: options.identityWords } : {}),
          dailyCapPerVoter: options.voterDailyCap,
          maxPerPrompt: options.maxVotesPerPrompt,
        });
        this.cleaned = 0;
        this.cleanerVersion = this.rawVersion;
        this.running = new Running();
      }
      this.cleaner.add(votes.slice(this.cleaned));
      this.cleaned = votes.length;
      const names = namesOf(models);
      const data: CleanData = {
        kept: this.cleaner.kept,
        ...this.running.update(this.cleaner.kept),
        report: this.cleaner.report(),
        names,
        at: new Date(),
        source: {
          facts: votes.length,
          cursor: this.cursor,
          identity: identityKey(pattern),
          names,
        },
      };
      this.snapshot = undefined;
      return data;
    })();
    return this.data;
  }

  async rows(query: LeaderboardQuery): Promise<BoardRow[]> {
    return checkIntegrity(
      rowsOf(await this.clean()).filter((row) => matchesQuery(row, query)),
      query,
    ).rows;
  }

  leaderboard(query: LeaderboardQuery): Promise<LeaderboardResponse> {
    const key = keyOf(query);
    let board = this.boards.get(key);
    if (!board) {
      const generation = this.generation;
      board = this.compute(query, key).catch((error: unknown) => {
        if (this.generation === generation) this.boards.delete(key);
        throw error;
      });
      this.boards.set(key, board);
    }
    const snapshot = this.snapshot;
    if (!snapshot) return board;
    // Until the first read of every vote is done, this board as last computed, when nothing counted changed
    // since (its `updatedAt` says when); the board is computed meanwhile (its failure is reported when asked).
    const computing = board;
    computing.catch(() => undefined);
    return snapshot.then((snapshots) => snapshots.get(key) ?? computing);
  }

  private async compute(query: LeaderboardQuery, key: string): Promise<LeaderboardResponse> {
    const started = performance.now();
    const style = query.style === 'on';
    const execution = query.control === 'execution';
    const data = await this.clean();
    // The default board (every cleaned vote) takes the running pair counts and Elo: no pass over every vote.
    const plain =
      !query.category &&
      !query.language &&
      !query.environment &&
      !query.bothRan &&
      (query.sessions ?? 'include') === 'include' &&
      !query.turns &&
      query.anomaly !== 'on' &&
      query.dedup !== 'on';
    const { rows, integrity: checked } =
      plain && !style && !execution
        ? { rows: [], integrity: undefined }
        : checkIntegrity(plain ? rowsOf(data) : rowsOf(data).filter((row) => matchesQuery(row, query)), query);
    // The frequent prompts are keyed by hashes: their previews are read for the report.
    const integrity =
      checked &&
      showIntegrity(
        checked,
        await promptPreviews(this.dataSource, checked.dedup?.highFrequency.map((h) => h.prompt) ?? []),
      );
    const counts = plain ? data.counts : aggregate(rows);
    const rounds = this.config.leaderboard.bootstrapRounds;
    const previous = this.strengths.get(key);
    const options = { bootstrap: rounds, seed: 42, minBattles: this.config.leaderboard.minBattles };
    let board: Leaderboard;
    let contextual: ContextLeaderboard | undefined;
    if (style || execution) {
      // FastChat's style control (its counts taken from the answers themselves, first turn) and/or execution
      // control (the covariates of each side's first-turn answer run): one contextual Bradley-Terry fit.
      const styled = new StyleBattlesBuilder();
      const executed = new ExecutionBattlesBuilder();
      for (const row of rows) {
        styled.add(row.model_a, row.model_b, row.winner, style ? row.style : NO_COUNTS);
        executed.add(row.model_a, row.model_b, row.winner, ...row.execution);
      }
      const s = styled.build();
      const e = executed.build();
      const [features, names] =
        style && execution
          ? [styleAndExecutionFeatures(s, e), [...STYLE_FEATURES, ...EXECUTION_FEATURES]]
          : style
            ? [styleFeatures(s), [...STYLE_FEATURES]]
            : [executionFeatures(e), [...EXECUTION_FEATURES]];
      board = contextual = await computeContextualLeaderboardThreaded(s, features, names, options);
    } else {
      board = computeLeaderboard(counts, { ...options, ...(previous ? { start: previous } : {}) });
      this.strengths.set(key, board.strengths);
    }
    const elo = plain ? data.elo : onlineElo(rows);
    this.logger.debug(
      { query, battles: counts.battles, ms: Math.round(performance.now() - started) },
      'leaderboard computed',
    );
    const response: LeaderboardResponse = {
      updatedAt: data.at.toISOString(),
      battles: counts.battles,
      rows: board.rows.map((row) => ({
        rank: row.rank,
        model: row.model,
        name: data.names.get(row.model) ?? row.model,
        rating: row.rating,
        ciLow: row.ciLow,
        ciHigh: row.ciHigh,
        battles: row.battles,
        winRate: row.winRate,
        provisional: row.provisional,
        elo: elo.get(row.model) ?? 1000,
      })),
      interval: board.interval,
      bootstrapRounds: rounds,
      minBattles: this.config.leaderboard.minBattles,
      components: board.components,
      disconnected: board.disconnected,
      hygiene: data.report,
      facets: data.facets,
      ...(contextual && style
        ? {
            styleCoefficients: pick(contextual.coefficients, STYLE_FEATURES),
            styleIntervals: pick(contextual.coefficientIntervals, STYLE_FEATURES),
          }
        : {}),
      ...(contextual && execution
        ? {
            executionCoefficients: pick(contextual.coefficients, EXECUTION_FEATURES),
            executionIntervals: pick(contextual.coefficientIntervals, EXECUTION_FEATURES),
          }
        : {}),
      ...(integrity ? { integrity } : {}),
    };
    this.snapshots.save(key, data.source, response);
    return response;
  }

  async matrix(query: MatrixQuery): Promise<MatrixResponse> {
    const { kind, ...filter } = query;
    const [board, rows] = await Promise.all([this.leaderboard(filter), this.rows(filter)]);
    const order = board.rows.map((r) => r.model);
    const counts = aggregate(rows, order);
    const values = kind === 'winrate' ? winRateMatrix(counts) : battleCountMatrix(counts);
    const index = order.map((m) => counts.models.indexOf(m));
    return {
      kind,
      models: order,
      values: index.map((i) =>
        index.map((j) => {
          const v = values[i]![j]!;
          return Number.isFinite(v) ? v : null;
        }),
      ),
    };
  }
}
