import { Inject, Injectable } from '@nestjs/common';
import type { Side } from '@arena/contracts';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { storableText } from '../common/storable-text.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import type { ArenaModel } from '../models/models.service.js';
import { CONTEXT_FULL_MESSAGE, ProviderError, type GenerateResult } from '../models/providers/provider.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { BattlesRepository } from './battles.repository.js';
import type { LiveBattle } from './live-battle.js';
import { PersistedStream } from './persisted-stream.js';

/** Tokens of a model's context left for its answer when a conversation is checked against it. */
const ANSWER_RESERVE_TOKENS = 256;

/** A tokenizer-free estimate (four characters a token, plus a few per message), erring towards more. */
function estimateTokens(messages: { content: string }[]): number {
  return messages.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 0);
}

/** How often streamed text is written while it streams. */
const STREAM_PERSIST_MS = 500;

export type FinishReason = 'stop' | 'length' | 'error' | 'cancelled';

/**
 * One side's answer to a turn: streamed from its model to the room as coalesced deltas, written as it grows,
 * bounded by the idle and total time-outs, and stored with how it ended.
 */
@Injectable()
export class AnswerGeneration {
  private readonly logger = createLogger(AnswerGeneration.name);

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(DomainEvents) private readonly events: DomainEvents,
  ) {}

  async generate(
    live: LiveBattle,
    turn: number,
    side: Side,
    model: ArenaModel,
  ): Promise<{ finishReason: FinishReason }> {
    const state = live.side(turn, side);
    const started = performance.now();
    let firstTokenMs: number | undefined;
    const repository = new BattlesRepository(this.dataSource.manager);
    const where = { battleId: live.id, turn, side };
    const stream = new PersistedStream<string>({
      frameMs: this.config.deltaIntervalMs,
      persistMs: STREAM_PERSIST_MS,
      send: (texts) => {
        const text = texts.join('');
        state.text += text;
        state.seq += 1;
        this.emitter.toBattle(live.id, 'gen:delta', {
          battleId: live.id,
          turn,
          side,
          seq: state.seq,
          text,
          t: Date.now(),
        });
      },
      persist: () => repository.updateMessage(where, { text: state.text }),
      onPersistError: (err) => this.logger.warn({ battleId: live.id, side, err }, 'could not persist streamed text'),
    });

    const idle = { timer: undefined as NodeJS.Timeout | undefined };
    const timeouts = new AbortController();
    const armIdle = (): void => {
      clearTimeout(idle.timer);
      idle.timer = setTimeout(
        () =>
          timeouts.abort(
            new ProviderError('timeout', 'no token within the idle time-out', "the model's service went silent"),
          ),
        this.config.generation.idleTimeoutMs,
      );
    };
    const total = setTimeout(
      () =>
        timeouts.abort(new ProviderError('timeout', 'generation time-out', 'the answer took too long and was cut off')),
      this.config.generation.timeoutMs,
    );
    const signal = AbortSignal.any([live.abort.signal, timeouts.signal]);
    armIdle();

    // An answer past the size cap is cut there: the side ends like one that hit its token limit.
    const maxChars = this.config.generation.maxAnswerChars;
    let received = 0;
    const cut = new ProviderError(
      'too_long',
      'answer size cap',
      `the answer passed ${maxChars.toLocaleString('en-US')} characters and was cut there`,
    );

    let result: GenerateResult | undefined;
    let failure: { finishReason: 'error' | 'cancelled'; error?: string; detail?: string } | undefined;
    const messages = live.conversation(turn, side);
    try {
      const limit = model.spec.contextTokens;
      if (limit !== undefined && estimateTokens(messages) > limit - ANSWER_RESERVE_TOKENS) {
        throw new ProviderError(
          'context_length',
          `about ${estimateTokens(messages)} tokens of conversation for a context of ${limit}`,
          CONTEXT_FULL_MESSAGE,
        );
      }
      result = await model.provider.generate({
        messages,
        signal,
        onText: (text) => {
          if (signal.aborted || !text) return;
          firstTokenMs ??= Math.round(performance.now() - started);
          armIdle();
          if (received >= maxChars) return;
          const kept = text.length > maxChars - received ? text.slice(0, maxChars - received) : text;
          received += kept.length;
          stream.push(storableText(kept));
          if (received >= maxChars) timeouts.abort(cut);
        },
      });
    } catch (error) {
      const reason: unknown = timeouts.signal.aborted ? timeouts.signal.reason : error;
      if (live.abort.signal.aborted && !timeouts.signal.aborted) failure = { finishReason: 'cancelled' };
      else if (reason instanceof ProviderError)
        failure = { finishReason: 'error', error: reason.publicMessage, detail: reason.message };
      else failure = { finishReason: 'error', error: 'the answer could not be generated', detail: String(reason) };
      this.logger.warn(
        { battleId: live.id, side, model: model.ref.id, detail: failure.detail },
        'generation ended early',
      );
    } finally {
      clearTimeout(idle.timer);
      clearTimeout(total);
    }
    stream.flush();
    const ms = Math.round(performance.now() - started);
    const capped = timeouts.signal.reason === cut;
    const finishReason = capped ? 'length' : (failure?.finishReason ?? result?.finishReason ?? 'stop');
    if (capped) failure ??= { finishReason: 'error', error: cut.publicMessage, detail: cut.message };
    state.finished = true;
    state.finishReason = finishReason;
    if (failure?.error) state.error = failure.error;
    await stream.settle();
    await repository.updateMessage(where, {
      text: state.text,
      finishReason,
      error: failure?.error ?? null,
      errorDetail: failure?.detail ?? null,
      outputTokens: result?.outputTokens ?? null,
      firstTokenMs: firstTokenMs ?? null,
      durationMs: ms,
      // TypeORM's partial type does not model an open JSON record; the column is jsonb.
      meta: (result?.meta ?? null) as QueryDeepPartialEntity<Record<string, unknown>> | null,
    });
    await this.events.emit('generation.finished', {
      battleId: live.id,
      turn,
      side,
      finishReason,
      ms,
      ...(firstTokenMs !== undefined ? { firstTokenMs } : {}),
    });
    this.emitter.toBattle(live.id, 'gen:end', {
      battleId: live.id,
      turn,
      side,
      finishReason,
      ms,
      ...(failure?.error ? { error: failure.error } : {}),
      ...(result?.outputTokens !== undefined ? { outputTokens: result.outputTokens } : {}),
    });
    return { finishReason };
  }
}
