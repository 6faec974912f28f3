import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { runScreenshotPath, type Side } from '@arena/contracts';
import { SandboxRegistry } from '@arena/sandboxes';
import { DataSource } from 'typeorm';
import { BattleRegistry } from '../battles/battle-registry.js';
import { BattlesRepository } from '../battles/battles.repository.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { ExecutionEntity } from '../battles/entities/execution.entity.js';
import type { ScreenshotSource } from './run-screenshot.entity.js';
import { RunScreenshotsRepository } from './run-screenshots.repository.js';
import { ScreenshotBrowser, type Shot, type ShotOptions } from './screenshot-browser.js';
import { liveShotSubject, type LivePreview } from './live-shot.js';
import { shootSubject, type ShotSubject } from './shoot-subject.js';

/** The run a picture belongs to. */
export interface ShotTarget {
  battleId: string;
  runId: string;
  side: Side;
}

export type { ShotSubject };

/**
 * Takes the picture of every run that renders something, off the battle's path: `run.finished` queues a
 * shot and returns; the shot is stored (`run_screenshots`), set on the live battle's run and announced
 * (`run:screenshot`). A shot that fails or runs out of time is logged and nothing more: the run stands.
 */
@Injectable()
export class RunScreenshotsService implements OnApplicationShutdown {
  private readonly logger = createLogger(RunScreenshotsService.name);
  private readonly browser: ScreenshotBrowser | undefined;
  /** Shots queued or being taken, by battle. */
  private readonly pending = new Map<string, Set<Promise<unknown>>>();

  constructor(
    @Inject(ARENA_CONFIG) config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(DomainEvents) events: DomainEvents,
    @Inject(SandboxRegistry) private readonly sandboxes: SandboxRegistry,
  ) {
    const settings = config.screenshots;
    if (settings?.chromium)
      this.browser = new ScreenshotBrowser({
        executablePath: settings.chromium,
        inFlight: settings.inFlight,
        budgetMs: settings.budgetMs,
      });
    events.on('run.finished', ({ battleId, runId, side }) => {
      this.captureInBackground({ battleId, runId, side }, async () => {
        const live = await this.livePreviewOf(runId);
        // A live app or display is photographed while it lives (it did answer: the run ended `ok` on it).
        if (live)
          return { subject: await liveShotSubject(this.sandboxes.apps, live, { press: false }), source: live.kind };
        const html = await new BattlesRepository(this.dataSource.manager).previewOf(runId);
        return html === null ? undefined : { subject: { kind: 'html', html }, source: 'preview' };
      });
    });
  }

  /** Whether pictures are taken at all (a Chromium is configured). */
  get enabled(): boolean {
    return this.browser !== undefined;
  }

  /**
   * Takes, stores and announces the picture of a run; resolves to whether it was kept (false when pictures
   * are off or the shot failed, which is logged). For live apps and displays: call it once the app answers
   * (`{ kind: 'url', url, clickCanvas: true }` for a game's display), with `source` 'app' or 'display'.
   */
  async capture(target: ShotTarget, subject: ShotSubject, source: ScreenshotSource): Promise<boolean> {
    if (!this.browser) return false;
    try {
      const shot = await this.shoot(subject);
      await new RunScreenshotsRepository(this.dataSource.manager).save(target.runId, shot, source);
      this.announce(target);
      return true;
    } catch (err) {
      this.logger.warn({ err, ...target, source }, 'a screenshot failed; the run stands without one');
      return false;
    }
  }

  /**
   * `capture`, off the caller's path: tracked with the battle's other shots (vision judges wait for them), so
   * the run's `run:end` never waits for its picture. `find` resolves to what to photograph and as what, or to
   * nothing when there is none to take.
   */
  captureInBackground(
    target: ShotTarget,
    find: () => Promise<{ subject: ShotSubject; source: ScreenshotSource } | undefined>,
  ): void {
    if (!this.browser) return;
    this.track(
      target.battleId,
      (async () => {
        const found = await find();
        if (found) await this.capture(target, found.subject, found.source);
      })().catch((err: unknown) => this.logger.warn({ err, ...target }, 'no picture of the run')),
    );
  }

  /** The picture alone, stored nowhere (AutoCodeArena's answers, benchmarks). */
  shoot(subject: ShotSubject, options: ShotOptions = {}): Promise<Shot> {
    if (!this.browser) return Promise.reject(new Error('screenshots are off (ARENA_CHROMIUM=off)'));
    return shootSubject(this.browser, subject, options);
  }

  /** Resolves once every queued shot has been taken or has failed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending.values()].flatMap((set) => [...set]));
  }

  /** Resolves once the shots queued for a battle's runs have been taken or have failed (vision judges wait on it). */
  async settledFor(battleId: string): Promise<void> {
    for (let set = this.pending.get(battleId); set; set = this.pending.get(battleId))
      await Promise.allSettled([...set]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.browser?.close();
  }

  /** The live app or display a run left, if any. */
  private async livePreviewOf(runId: string): Promise<LivePreview | undefined> {
    const run = await this.dataSource.manager
      .getRepository(ExecutionEntity)
      .findOne({ where: { id: runId }, select: { id: true, previewKind: true, previewUrl: true } });
    if ((run?.previewKind === 'app' || run?.previewKind === 'display') && run.previewUrl)
      return { kind: run.previewKind, url: run.previewUrl };
    return undefined;
  }

  private track(battleId: string, work: Promise<unknown>): void {
    const set = this.pending.get(battleId) ?? new Set();
    set.add(work);
    this.pending.set(battleId, set);
    void work.finally(() => {
      set.delete(work);
      if (set.size === 0 && this.pending.get(battleId) === set) this.pending.delete(battleId);
    });
  }

  private announce({ battleId, runId, side }: ShotTarget): void {
    const url = runScreenshotPath(battleId, runId);
    const live = this.registry.get(battleId);
    for (const turn of live?.turns ?? []) {
      const run = turn.sides[side].runs.find((r) => r.runId === runId);
      if (run) run.screenshot = url;
    }
    this.emitter.toBattle(battleId, 'run:screenshot', { battleId, runId, side, url });
  }
}
