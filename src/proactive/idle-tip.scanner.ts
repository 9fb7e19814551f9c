import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SessionService } from '../sessions';
import { JOB_QUEUE, JobQueue } from './job-queue.port';
import { jobIds, JobName } from './proactive.jobs';

const PAGE = 500;
const PARALLEL = 25;

/**
 * Idle tips from one scheduled scan of the activity index (one job for all instances): sessions whose
 * idle time crossed PROACTIVE_IDLE_TIP_SECONDS since the last scans get a tip job. Marks kept with the
 * session's data make it one tip per idle period and at most PROACTIVE_MAX_TIPS per session; a session
 * that expired is not in the index, and the message is only stored for a live session anyway.
 */
@Injectable()
export class IdleTipScanner {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly sessions: SessionService,
  ) {}

  get enabled(): boolean {
    return this.config.proactiveIdleTipSeconds >= 0 && this.config.proactiveMaxTips > 0;
  }

  /** A quarter of the idle time, between 1 s and 1 min. */
  get scanEveryMs(): number {
    return Math.min(60_000, Math.max(1000, (this.config.proactiveIdleTipSeconds * 1000) / 4));
  }

  async scan(): Promise<void> {
    if (!this.enabled) return;
    const to = this.clock.now() - this.config.proactiveIdleTipSeconds * 1000;
    // Overlapping windows: a late or missed scan still finds the sessions the previous one would have.
    let from = to - 3 * this.scanEveryMs;
    for (;;) {
      const ids = await this.sessions.activeBetween(from, to, PAGE);
      let latest = from;
      for (let i = 0; i < ids.length; i += PARALLEL) {
        const seen = await Promise.all(ids.slice(i, i + PARALLEL).map((id) => this.consider(id, to)));
        latest = Math.max(latest, ...seen);
      }
      if (ids.length < PAGE) return;
      from = latest > from ? latest : from + 1; // sessions at `latest` are marked: no double tip
    }
  }

  /**
   * Queues a tip when the session is due one; returns its last activity time. The job is queued before
   * the marks are set: a failure or crash in between leaves the period unmarked, so the next scan (its
   * windows overlap) queues it again; the job id dedupes, and the tip's delivery key delivers it once.
   */
  private async consider(id: string, to: number): Promise<number> {
    const record = await this.sessions.find(id);
    if (!record || record.lastActivityAt >= to) return record?.lastActivityAt ?? 0;
    const idleSince = record.lastActivityAt;
    const period = `tip@${idleSince}`;
    if (await this.sessions.isMarked(id, period)) return idleSince;
    const tipNumber = await this.nextTipNumber(id);
    if (tipNumber !== null) {
      await this.queue.add(JobName.Tip, { sessionId: id, tipNumber }, { jobId: jobIds.tip(id, idleSince) });
      await this.sessions.markOnce(id, `tip#${tipNumber}`);
    }
    await this.sessions.markOnce(id, period);
    return idleSince;
  }

  /** The first of the session's PROACTIVE_MAX_TIPS tips not given yet; null when all are. */
  private async nextTipNumber(id: string): Promise<number | null> {
    for (let n = 1; n <= this.config.proactiveMaxTips; n++) {
      if (!(await this.sessions.isMarked(id, `tip#${n}`))) return n;
    }
    return null;
  }
}
