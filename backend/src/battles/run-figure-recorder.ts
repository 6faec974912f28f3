import { runFigurePath, type RunFigureState, type RunState, type Side } from '@arena/contracts';
import type { RunFigureImage } from '@arena/sandboxes';
import type { EntityManager } from 'typeorm';
import { createLogger } from '../logging/logger.js';
import type { ArenaEmitter } from '../realtime/arena-emitter.js';
import { RunFiguresRepository } from './run-figures.repository.js';

export interface RunFigureTarget {
  battleId: string;
  runId: string;
  side: Side;
  /** The live run: its output so far says where a figure sits, and its `figures` are what snapshots show. */
  run: RunState;
}

/**
 * Keeps the figures of one run as they arrive: each is placed after the output printed before it (`flushOutput`
 * sends that first), stored (`run_figures`), added to the live run, then announced (`run:figure`), one after
 * the other in the order drawn. A figure that cannot be stored is logged and left out; the run goes on.
 */
export class RunFigureRecorder {
  private readonly logger = createLogger(RunFigureRecorder.name);
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly manager: EntityManager,
    private readonly emitter: ArenaEmitter,
    private readonly target: RunFigureTarget,
    private readonly flushOutput: () => void,
  ) {}

  add(figure: RunFigureImage): void {
    const { battleId, runId, side, run } = this.target;
    this.flushOutput();
    const state: RunFigureState = {
      index: figure.index,
      url: runFigurePath(battleId, runId, figure.index),
      width: figure.width,
      height: figure.height,
      at: run.output.length,
    };
    this.chain = this.chain.then(async () => {
      try {
        await new RunFiguresRepository(this.manager).save(runId, { ...state, png: figure.png });
      } catch (err) {
        this.logger.warn({ err, battleId, runId, index: figure.index }, 'could not store a figure; it is left out');
        return;
      }
      (run.figures ??= []).push(state);
      this.emitter.toBattle(battleId, 'run:figure', { battleId, runId, side, ...state });
    });
  }

  /** Resolves once every figure so far is stored and announced. */
  settled(): Promise<void> {
    return this.chain;
  }
}
