import { Inject, Injectable, Logger } from '@nestjs/common';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive/archive.repository';
import { ApiError, sessionNotFound } from '../common/api-error';
import { CLOCK, Clock } from '../common/clock';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { fromArchivedSession } from '../sessions/session-archiver';
import { SessionEndingService } from '../sessions/session-ending.service';
import { isWellFormedSessionId, redactSessionId } from '../sessions/session-id';
import { SESSION_REPOSITORY, SessionRepository } from '../sessions/session.repository';
import { SessionService } from '../sessions/session.service';
import { SessionRecord } from '../sessions/session.types';

const liveConflict = (): ApiError =>
  new ApiError('CONFLICT', 'The session is live; only an ended one can be restored');

/** Brings the newest archived generation of an ended session back live, with its history. */
@Injectable()
export class SessionRestoreService {
  private readonly logger = new Logger('SessionLifecycle');

  constructor(
    private readonly sessions: SessionService,
    @Inject(SESSION_REPOSITORY) private readonly repository: SessionRepository,
    @Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ending: SessionEndingService,
  ) {}

  async restore(id: string): Promise<SessionRecord> {
    if (!isWellFormedSessionId(id)) throw sessionNotFound();
    if (await this.sessions.find(id)) throw liveConflict();
    // Keys still there but not live: expired and not swept yet, or an end left unfinished. Archive it
    // now, so what comes back is its latest state.
    if ((await this.repository.snapshot(id)) && !(await this.ending.end(id, 'expired', 'expired'))) {
      if (await this.sessions.find(id)) throw liveConflict();
    }
    const entry = await this.archive.latest(id);
    if (!entry) throw sessionNotFound();
    const snapshot = fromArchivedSession(entry);
    const evicted = await this.repository.restore(snapshot, this.clock.now(), this.config.maxSessions);
    if (evicted === null) throw liveConflict();
    for (const victim of evicted) await this.ending.end(victim, 'evicted', 'any');
    const record = await this.sessions.find(id);
    if (!record) throw sessionNotFound();
    this.logger.log({
      msg: 'session restored',
      event: 'session.restored',
      sessionId: redactSessionId(id),
      generation: record.generation,
      turnCount: record.turnCount,
    });
    return record;
  }
}
