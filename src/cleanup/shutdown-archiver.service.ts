import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { RedisStore, REDIS_STORE } from '../store';
import { redactSessionId, SessionMaintenance } from '../sessions';
import { CleanupService } from './cleanup.service';

const BATCH = 300;

/**
 * Embedded store only: its sessions die with the process, so at shutdown every live one is archived
 * with reason `shutdown` (API.md); one already past its TTL is archived as `expired`, one already
 * ending keeps its reason. In Redis mode sessions outlive the process and nothing happens here.
 */
@Injectable()
export class ShutdownArchiverService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ShutdownArchiver');

  constructor(
    @Optional() @Inject(REDIS_STORE) private readonly store: RedisStore | null,
    private readonly sessions: SessionMaintenance,
    // Hooks of one module run in parallel: the schedule is stopped explicitly before archiving.
    private readonly cleanup: CleanupService,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    if (this.store) return;
    await this.cleanup.beforeApplicationShutdown();
    let archived = 0;
    let failed = 0;
    for (;;) {
      const ids = await this.sessions.sweepCandidates(
        Number.MAX_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER,
        BATCH,
      );
      let progress = 0;
      for (const id of ids) {
        try {
          if (await this.archiveOne(id)) archived += 1;
          progress += 1;
        } catch (error) {
          failed += 1;
          this.logger.error({ msg: 'session lost at shutdown', sessionId: redactSessionId(id), err: error });
        }
      }
      if (ids.length === 0 || progress === 0) break;
    }
    this.logger.log({ msg: 'embedded sessions archived at shutdown', archived, failed });
  }

  private async archiveOne(id: string): Promise<boolean> {
    if (await this.sessions.end(id, 'shutdown', 'live')) return true;
    if (await this.sessions.end(id, 'expired', 'any')) return true;
    await this.sessions.purge(id);
    return false;
  }
}
