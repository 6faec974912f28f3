import { createHash } from 'node:crypto';
import type { LeaderboardResponse } from '@arena/contracts';
import type { DataSource } from 'typeorm';
import type { ArenaConfig } from '../config/config.js';
import type { Logger } from 'pino';
import { battleShown, voterCounted } from '../moderation/visibility.js';
import type { VoteCursor } from './vote-rows.js';

/**
 * Bumped whenever a board computed from the same votes and settings would come out different (another fit,
 * another hygiene rule, another response shape): snapshots of an older computation are never served.
 */
const COMPUTATION = 'boards-1';

/** How often a board's snapshot is written at most (the newest one wins; the last is written at shutdown). */
const WRITE_EVERY_MS = 1_000;

/** What a board was computed from: the votes' facts the board read (how many, and where reading stopped). */
export interface BoardSource {
  /** How many votes' facts were read. */
  facts: number;
  cursor: VoteCursor | undefined;
  /** The identity-word pattern's key the facts were read with (see `identityKey`). */
  identity: string;
  /** Model id → display name, as the board shows them. */
  names: ReadonlyMap<string, string>;
}

/**
 * The votes the board counts now (revealed, not hidden, not cast by a banned voter: what `readFacts` reads once
 * every vote has its facts): how many, and the last in reveal order. One pass over the votes' and battles'
 * keys (a fraction of a second at a million votes), against the minutes reading and cleaning them all takes.
 * Votes, not facts: a vote another writer added has no facts until the next full read fills them in.
 */
export async function countedVotes(dataSource: DataSource): Promise<Pick<BoardSource, 'facts' | 'cursor'>> {
  const from = `FROM votes v JOIN battles b ON b.id = v.battle_id
    WHERE b.status = 'revealed' AND ${battleShown('b.id')} AND ${voterCounted('v')}`;
  const [[count], [last]] = await Promise.all([
    dataSource.query<{ n: string }[]>(`SELECT count(*) AS n ${from}`),
    dataSource.query<{ at: string; id: string }[]>(
      `SELECT b.revealed_at::text AS at, v.id ${from} ORDER BY b.revealed_at DESC, v.id DESC LIMIT 1`,
    ),
  ]);
  return { facts: Number(count?.n ?? 0), cursor: last ? { createdAt: last.at, id: last.id } : undefined };
}

/**
 * A fingerprint of everything a board depends on: the facts read, the battles hidden and the voters banned
 * now (a hide and a show elsewhere leave the count alone), the identity words, the hygiene and fit settings,
 * the models' names, and how boards are computed. Equal fingerprints: the same board.
 */
export async function fingerprintOf(
  dataSource: DataSource,
  source: BoardSource,
  config: ArenaConfig['leaderboard'],
): Promise<string> {
  const [[hidden], [banned]] = await Promise.all([
    dataSource.query<{ h: string | null }[]>(
      `SELECT md5(string_agg(battle_id::text, ',' ORDER BY battle_id)) AS h FROM hidden_battles`,
    ),
    dataSource.query<{ h: string | null }[]>(
      `SELECT md5(string_agg(voter_id, ',' ORDER BY voter_id)) AS h FROM voter_bans`,
    ),
  ]);
  const material = JSON.stringify([
    COMPUTATION,
    source.facts,
    source.cursor ?? null,
    source.identity,
    hidden?.h ?? '',
    banned?.h ?? '',
    [...source.names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    config,
  ]);
  return createHash('sha256').update(material).digest('hex');
}

/**
 * The boards last computed, kept in the database (`leaderboard_snapshots`, one per board query), so that an
 * arena starting on a million votes shows its board at once: reading and cleaning every vote's facts again
 * takes minutes there. A snapshot is served only while that first read is under way, and only when its
 * fingerprint equals the one of what the database holds now; anything counted since (a vote, a hide, a ban,
 * another setting) and the board waits for the read instead.
 */
export class BoardSnapshots {
  private readonly pending = new Map<string, { source: BoardSource; board: LeaderboardResponse }>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: ArenaConfig['leaderboard'],
    private readonly logger: Logger,
  ) {}

  /** The snapshots of boards computed from what `source` describes, by board query key. */
  async load(source: BoardSource): Promise<Map<string, LeaderboardResponse>> {
    const rows = await this.dataSource.query<{ key: string; board: LeaderboardResponse | string }[]>(
      `SELECT key, board FROM leaderboard_snapshots WHERE fingerprint = $1`,
      [await fingerprintOf(this.dataSource, source, this.config)],
    );
    return new Map(
      rows.map((r) => [r.key, typeof r.board === 'string' ? (JSON.parse(r.board) as LeaderboardResponse) : r.board]),
    );
  }

  /** Keeps `board`, computed from `source`, as the snapshot of `key` (within a second; the newest wins). */
  save(key: string, source: BoardSource, board: LeaderboardResponse): void {
    this.pending.set(key, { source, board });
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, WRITE_EVERY_MS);
    this.timer.unref();
  }

  /** Writes what is pending now (at shutdown: the boards last shown are the ones the next start finds). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    this.writing = this.writing.then(async () => {
      for (const [key, { source, board }] of batch) {
        try {
          await this.dataSource.query(
            `INSERT INTO leaderboard_snapshots (key, fingerprint, board, written_at) VALUES ($1, $2, $3::jsonb, now())
             ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, board = EXCLUDED.board,
               written_at = EXCLUDED.written_at`,
            [key, await fingerprintOf(this.dataSource, source, this.config), JSON.stringify(board)],
          );
        } catch (err) {
          this.logger.warn({ err, key }, 'writing a leaderboard snapshot failed');
        }
      }
    });
    return this.writing;
  }
}
