import { Inject, Injectable, Logger } from '@nestjs/common';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive';
import { ApiError, sessionNotFound } from '../common/api-error';
import { SessionRecord } from '../domain';
import { isWellFormedSessionId, redactSessionId, SessionMaintenance, SessionService } from '../sessions';

const liveConflict = (): ApiError =>
  new ApiError('CONFLICT', 'The session is live; only an ended one can be restored');

/** Brings the newest archived generation of an ended session back live, with its history. */
@Injectable()
export class SessionRestoreService {
  private readonly logger = new Logger('SessionLifecycle');

  constructor(
    private readonly sessions: SessionService,
    private readonly maintenance: SessionMaintenance,
    @Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository,
  ) {}

  async restore(id: string): Promise<SessionRecord> {
    if (!isWellFormedSessionId(id)) throw sessionNotFound();
    if (await this.sessions.find(id)) throw liveConflict();
    // Keys still there but not live: expired and not swept yet, or an end left unfinished. Archive it
    // now, so what comes back is its latest state.
    if ((await this.maintenance.hasKeys(id)) && !(await this.maintenance.end(id, 'expired', 'expired'))) {
      if (await this.sessions.find(id)) throw liveConflict();
    }
    const entry = await this.archive.latest(id);
    if (!entry) throw sessionNotFound();
    if (!(await this.maintenance.restore(entry))) throw liveConflict();
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
