import { Inject, Injectable, Logger } from '@nestjs/common';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive';
import { CLOCK, Clock } from '../common/clock';
import { SLICE, yieldToLoop } from '../common/in-slices';
import { ArchivedSession, EndReason, SessionSnapshot } from '../domain';
import { redactSessionId } from './session-id';
import { toArchivedSession } from './session-archiver';
import { SessionEndingService } from './session-ending.service';
import { EndMode } from './session.repository';
import { SESSION_BATCH_ENDING, SessionBatchEnding } from './session-batch-ending.port';

export interface BatchEndResult {
  /** Sessions archived and deleted. */
  ended: number;
  /** Ids whose keys were already gone (index entries removed). */
  leftovers: number;
  /** Sessions not archived (store or archive refused): they stay marked for the next sweep. */
  failed: number;
}

/** After a failed batch write, single saves stop after this many in a row fail: the archive is down. */
const FAILURES_IN_A_ROW = 3;

interface Ending {
  id: string;
  reason: EndReason;
  snapshot: SessionSnapshot;
  entry: ArchivedSession;
}

/**
 * A batch marked and read (`mark`): its sessions are ending (gone for clients, out of the sweep's
 * candidates) and wait for `finish` to archive, delete and report them.
 */
export interface MarkedBatch {
  readonly endings: readonly Ending[];
  /** Ids whose keys were already gone. */
  readonly leftovers: readonly string[];
  /** Ids the store refused to mark. */
  readonly failed: number;
  readonly endedAt: number;
}

/**
 * SessionEndingService's mark → archive → delete for a batch (the sweep): one round to the store to
 * mark and read, one archive write, one round to delete, then the batch's ends reported in one event.
 * Nothing unarchived is deleted; a crash in between leaves the batch marked for the next sweep.
 */
@Injectable()
export class SessionBatchEndingService {
  private readonly logger = new Logger('SessionLifecycle');

  constructor(
    @Inject(SESSION_BATCH_ENDING) private readonly batch: SessionBatchEnding,
    @Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly ending: SessionEndingService,
  ) {}

  async end(ids: readonly string[], reason: EndReason, mode: EndMode): Promise<BatchEndResult> {
    return this.finish(await this.mark(ids, reason, mode));
  }

  /** The first step: marks and reads the batch in one round (the store's replies, nothing archived). */
  async mark(ids: readonly string[], reason: EndReason, mode: EndMode): Promise<MarkedBatch> {
    const marks = await this.batch.markAndRead(ids, reason, this.clock.now(), mode);
    const endedAt = this.clock.now();
    const endings: Ending[] = [];
    const leftovers: string[] = [];
    let failed = 0;
    for (const [i, mark] of marks.entries()) {
      if (i > 0 && i % SLICE === 0) await yieldToLoop(); // a batch's entries, built in slices
      if (mark.status === 'ended') {
        const entry = toArchivedSession(mark.snapshot, mark.reason, endedAt);
        endings.push({ id: mark.id, reason: mark.reason, snapshot: mark.snapshot, entry });
      } else if (mark.status === 'gone') {
        leftovers.push(mark.id);
      } else if (mark.status === 'failed') {
        failed += 1;
        this.logger.error({
          msg: 'session not marked ended',
          sessionId: redactSessionId(mark.id),
          err: mark.error,
        });
      }
    }
    return { endings, leftovers, failed, endedAt };
  }

  /** The rest: archives a marked batch in one write, deletes what the archive holds, reports the ends. */
  async finish({ endings, leftovers, failed, endedAt }: MarkedBatch): Promise<BatchEndResult> {
    const archived = await this.archiveAll(endings);
    const removed = await this.batch.purge([...archived.map((ending) => ending.id), ...leftovers]);
    // One report for the batch: its listeners write, publish and log once per batch, not per session.
    this.ending.reportEnds(
      archived.filter(({ id }) => removed.has(id)),
      endedAt,
    );
    return {
      ended: archived.length,
      leftovers: leftovers.length,
      failed: failed + endings.length - archived.length,
    };
  }

  /** The endings whose entries the archive now holds: all of them, or those saved one by one. */
  private async archiveAll(endings: readonly Ending[]): Promise<Ending[]> {
    if (endings.length === 0) return [];
    try {
      await this.archive.appendBatch(endings.map((ending) => ending.entry));
      return [...endings];
    } catch (error) {
      this.logger.warn({
        msg: 'archive batch failed; saving its sessions one by one',
        size: endings.length,
        err: error,
      });
    }
    // One entry the archive refuses must not hold the rest of its batch back.
    const saved: Ending[] = [];
    let failuresInARow = 0;
    for (const ending of endings) {
      if (failuresInARow >= FAILURES_IN_A_ROW) break;
      try {
        await this.archive.save(ending.entry);
        saved.push(ending);
        failuresInARow = 0;
      } catch (error) {
        failuresInARow += 1;
        this.logger.error({
          msg: 'session not archived; it stays for the next sweep',
          sessionId: redactSessionId(ending.id),
          err: error,
        });
      }
    }
    return saved;
  }
}
