import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive';
import { CLOCK, Clock } from '../common/clock';
import { redactSessionId } from './session-id';
import { toArchivedSession } from './session-archiver';
import { SessionEndedEvent, SessionEvents, SessionsEndedEvent, EndReason, SessionSnapshot } from '../domain';
import { EndMode, SESSION_REPOSITORY, SessionLifecycleStore } from './session.repository';

/**
 * Every way a session ends goes through here: mark it ended (gone for every call from then on),
 * archive it, then delete it. A crash or an archive failure in between leaves it marked and indexed as
 * ending, so the sweep finishes the job; the archive is idempotent per (id, generation).
 */
@Injectable()
export class SessionEndingService {
  private readonly logger = new Logger('SessionLifecycle');

  constructor(
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionLifecycleStore,
    @Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: EventEmitter2,
  ) {}

  /** Ends a session for `reason`; false when there was nothing to end under `mode`. */
  async end(id: string, reason: EndReason, mode: EndMode): Promise<boolean> {
    const inForce = await this.mark(id, reason, mode);
    if (!inForce) return false;
    await this.finish(id, inForce);
    return true;
  }

  /** Marks a session as ending (gone for every call from then on): the reason in force, or null. */
  async mark(id: string, reason: EndReason, mode: EndMode): Promise<EndReason | null> {
    const marked = await this.sessions.markEnded(id, reason, this.clock.now(), mode);
    return marked.status === 'ended' ? marked.reason : null;
  }

  /** Archives and deletes a session already marked as ending (or a leftover whose keys are gone). */
  async finish(id: string, fallbackReason: EndReason): Promise<void> {
    const snapshot = await this.sessions.snapshot(id);
    if (!snapshot) {
      await this.sessions.purge(id);
      return;
    }
    const reason = snapshot.record.endReason ?? fallbackReason;
    const endedAt = this.clock.now();
    await this.archive.save(toArchivedSession(snapshot, reason, endedAt));
    if (await this.sessions.purge(id)) this.reportEnd(snapshot, reason, endedAt);
  }

  /** Archives the current generation of a live session (reset) and reports its end. */
  async archiveGeneration(snapshot: SessionSnapshot, reason: EndReason): Promise<void> {
    await this.archive.save(toArchivedSession(snapshot, reason, this.clock.now()));
  }

  reportEnd(snapshot: SessionSnapshot, reason: EndReason, endedAt: number): void {
    const event = endedEvent(snapshot, reason, endedAt);
    this.logger.log(endLogLine(snapshot, event));
    this.events.emit(SessionEvents.ended, event);
  }

  /**
   * Reports many ends at once (a sweep batch): one `session.ended` batch event, so its listeners write
   * once per batch, and one info line naming every session and reason; the line per session of a single
   * end is logged at debug.
   */
  reportEnds(ended: ReadonlyArray<{ snapshot: SessionSnapshot; reason: EndReason }>, endedAt: number): void {
    if (ended.length === 0) return;
    const ends = ended.map(({ snapshot, reason }) => endedEvent(snapshot, reason, endedAt));
    const reasons: Partial<Record<EndReason, number>> = {};
    for (const { reason } of ends) reasons[reason] = (reasons[reason] ?? 0) + 1;
    this.logger.log({
      msg: 'sessions ended',
      event: SessionEvents.ended,
      count: ends.length,
      reasons,
      sessionIds: ends.map(({ sessionId }) => redactSessionId(sessionId)),
    });
    ended.forEach(({ snapshot }, i) => this.logger.debug(endLogLine(snapshot, ends[i])));
    this.events.emit(SessionEvents.endedBatch, { ends } satisfies SessionsEndedEvent);
  }
}

function endedEvent(snapshot: SessionSnapshot, reason: EndReason, endedAt: number): SessionEndedEvent {
  const { record } = snapshot;
  return {
    sessionId: record.id,
    reason,
    createdAt: record.createdAt,
    endedAt,
    turnCount: record.turnCount,
  };
}

/** A session lifecycle log line: the session, the event and the reason (CONVENTIONS.md). */
function endLogLine({ record }: SessionSnapshot, event: SessionEndedEvent) {
  return {
    msg: 'session ended',
    event: SessionEvents.ended,
    sessionId: redactSessionId(record.id),
    reason: event.reason,
    generation: record.generation,
    lifetimeSeconds: Math.round((event.endedAt - record.createdAt) / 1000),
    turnCount: record.turnCount,
  };
}
