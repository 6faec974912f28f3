import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ArenaError } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { VotesRepository } from '../battles/votes.repository.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { ArenaEmitter, battleRoom, sessionRoom, voterRoom } from '../realtime/arena-emitter.js';
import { CLOCK, CoalescerMap, type Clock } from '../realtime/frame-coalescer.js';
import type { SessionEntity } from './entities/session.entity.js';
import { networkHash } from './host-keys.js';
import { SessionVotesService } from './session-votes.service.js';
import { SessionsRepository } from './sessions.repository.js';

/** Participant counts change often when a room fills up: one update per interval, the latest count. */
const PARTICIPANTS_INTERVAL_MS = 250;

/** Who is in a session: joins (serialised per session, so the size limit holds) and the host's removals. */
@Injectable()
export class SessionParticipantsService {
  private readonly logger = createLogger(SessionParticipantsService.name);
  readonly announcements: CoalescerMap<string, void>;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(SessionVotesService) private readonly votes: SessionVotesService,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.announcements = new CoalescerMap<string, void>(
      PARTICIPANTS_INTERVAL_MS,
      (sessionId) => {
        return new SessionsRepository(this.dataSource.manager)
          .counts(sessionId)
          .then((counts) => this.emitter.toSession(sessionId, 'session:update', { sessionId, ...counts }))
          .catch((err: unknown) => this.logger.warn({ err, sessionId }, 'participant count failed'));
      },
      clock,
    );
  }

  /**
   * Join (or rejoin, with the same voter id: same participant, nickname updated). Joins are serialised per
   * session by a row lock, so the size limit holds under a crowd joining at once.
   *
   * Who waits for the host instead of coming straight in: everyone, in a session whose host approves each
   * join; otherwise anyone joining from a network that already has `perNetwork` people in, or from the
   * network of someone the host removed (a removed voter coming back under a new voter id lands in the
   * host's waiting list, not in the room).
   */
  async join(
    voterId: string,
    address: string,
    code: string,
    nickname: string,
  ): Promise<{ session: SessionEntity; participantId: string }> {
    const result = await this.dataSource.transaction(async (tx) => {
      const sessions = new SessionsRepository(tx);
      const session = await sessions.lockByJoinCode(code);
      if (!session) throw new ArenaError('not_found', `no session with the code ${code}`);
      if (session.endedAt) throw new ArenaError('not_allowed', 'this session has ended');
      const existing = await sessions.participant(session.id, voterId);
      if (existing?.removedAt) throw new ArenaError('not_allowed', 'the host removed you from this session');
      if (existing) {
        if (existing.nickname !== nickname) await sessions.renameParticipant(existing.id, nickname);
        return { session, participantId: existing.id, fresh: false, waiting: existing.waiting };
      }
      const count = await sessions.countParticipants(session.id);
      if (count >= this.config.sessions.maxParticipants) {
        throw new ArenaError('not_allowed', `this session is full (${this.config.sessions.maxParticipants} people)`);
      }
      const hash = networkHash(session.hostKeyHash, address);
      const network = await sessions.network(session.id, hash);
      const waiting =
        session.joinPolicy === 'approve' || network.removed || network.admitted >= this.config.sessions.perNetwork;
      const participantId = randomUUID();
      await sessions.addParticipant({
        id: participantId,
        sessionId: session.id,
        voterId,
        nickname,
        networkHash: hash,
        waiting,
      });
      return { session, participantId, fresh: true, waiting };
    });
    if (result.fresh) {
      this.announcements.push(result.session.id);
      if (result.waiting) this.logger.info({ sessionId: result.session.id }, 'participant waits for the host');
    }
    return { session: result.session, participantId: result.participantId };
  }

  /**
   * The host lets waiting people in: each hears `session:admitted` (on every process) and may vote from now
   * on. Returns how many were waiting; people already in, removed or unknown are skipped.
   */
  async admit(session: SessionEntity, participantIds: readonly string[]): Promise<number> {
    if (session.endedAt) throw new ArenaError('not_allowed', 'this session has ended');
    const voters = await new SessionsRepository(this.dataSource.manager).admit(session.id, participantIds);
    for (const voterId of voters) this.emitter.toVoter(voterId, 'session:admitted', { sessionId: session.id });
    if (voters.length > 0) {
      this.announcements.push(session.id);
      this.logger.info({ sessionId: session.id, admitted: voters.length }, 'participants let in');
    }
    return voters.length;
  }

  /**
   * The host removes someone: they cannot vote or rejoin, their votes on battles still open are withdrawn,
   * and their sockets leave the session (on every process).
   */
  async remove(session: SessionEntity, participantId: string): Promise<void> {
    const participant = await new SessionsRepository(this.dataSource.manager).participantById(
      session.id,
      participantId,
    );
    if (!participant) throw new ArenaError('not_found', 'no such participant in this session');
    if (participant.removedAt) return;
    const withdrawn = await this.dataSource.transaction(async (tx) => {
      await new SessionsRepository(tx).removeParticipant(participantId);
      return new VotesRepository(tx).withdrawOpen(session.id, participant.voterId);
    });
    this.emitter.toVoter(participant.voterId, 'session:removed', { sessionId: session.id });
    this.emitter.leave(voterRoom(participant.voterId), sessionRoom(session.id));
    if (session.currentBattleId)
      this.emitter.leave(voterRoom(participant.voterId), battleRoom(session.currentBattleId));
    for (const battleId of withdrawn) this.votes.tallyChanged(session.id, battleId);
    this.announcements.push(session.id);
    this.logger.info({ sessionId: session.id, participantId }, 'participant removed');
  }
}
