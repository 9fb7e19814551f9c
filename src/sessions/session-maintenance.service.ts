import { Inject, Injectable } from '@nestjs/common';
import { ArchivedSession, EndReason } from '../domain';
import { CLOCK, Clock } from '../common/clock';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { MemoryPressureService } from './memory-pressure.service';
import { fromArchivedSession } from './session-archiver';
import { SessionEndingService } from './session-ending.service';
import { BatchEndResult, MarkedBatch, SessionBatchEndingService } from './session-batch-ending.service';
import { EndMode, SESSION_REPOSITORY, SessionLifecycleStore, SessionIndexStore } from './session.repository';

/**
 * The face the cleanup module works through (the sweep, shutdown archival, restore, memory relief):
 * ending goes through SessionEndingService, so every end is archived the same way.
 */
@Injectable()
export class SessionMaintenance {
  constructor(
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionLifecycleStore & SessionIndexStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly ending: SessionEndingService,
    private readonly batchEnding: SessionBatchEndingService,
    private readonly memoryPressure: MemoryPressureService,
  ) {}

  /** Marks, archives and deletes a session for `reason`; false when there was nothing to end under `mode`. */
  end(id: string, reason: EndReason, mode: EndMode): Promise<boolean> {
    return this.ending.end(id, reason, mode);
  }

  /**
   * `end` for a batch of ids (the sweep), a round to the store per step instead of per session; an id
   * with nothing to end under `mode` is left alone, one whose keys are gone is purged (a leftover).
   */
  endBatch(ids: readonly string[], reason: EndReason, mode: EndMode): Promise<BatchEndResult> {
    return this.batchEnding.end(ids, reason, mode);
  }

  /**
   * endBatch in its two steps, so the sweep can mark the next batch while this one is archived: `mark`
   * takes the ids out of the sweep's candidates (ending for clients), `finish` archives, deletes and
   * reports them. A batch marked and never finished is left to a later sweep, as after a crash.
   */
  markBatch(ids: readonly string[], reason: EndReason, mode: EndMode): Promise<MarkedBatch> {
    return this.batchEnding.mark(ids, reason, mode);
  }

  finishBatch(batch: MarkedBatch): Promise<BatchEndResult> {
    return this.batchEnding.finish(batch);
  }

  /** Ids whose last activity is older than `cutoff`, and ids stuck ending since before `endingCutoff`. */
  sweepCandidates(cutoff: number, endingCutoff: number, limit: number): Promise<string[]> {
    return this.sessions.sweepCandidates(cutoff, endingCutoff, limit);
  }

  /** Whether any key of the session is still stored (live, expired but not swept, or ending). */
  async hasKeys(id: string): Promise<boolean> {
    return (await this.sessions.snapshot(id)) !== null;
  }

  /** Deletes what is left of a session whose keys are gone (an index leftover). */
  async purge(id: string): Promise<void> {
    await this.sessions.purge(id);
  }

  /**
   * Brings an archived generation back live under the session cap (the sessions it evicts are ended);
   * false when the id still has keys.
   */
  async restore(entry: ArchivedSession): Promise<boolean> {
    const snapshot = fromArchivedSession(entry);
    const evicted = await this.sessions.restore(snapshot, this.clock.now(), this.config.maxSessions);
    if (evicted === null) return false;
    for (const victim of evicted) await this.ending.end(victim, 'evicted', 'any');
    return true;
  }

  /** Evicts idle sessions while the store is above its memory watermark; returns how many. */
  relieveMemoryPressure(): Promise<number> {
    return this.memoryPressure.relieve();
  }
}
