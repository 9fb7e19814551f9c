import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { redactSessionId, CREATED_TRIGGER, SessionService, SessionTriggers } from '../sessions';
import { JOB_QUEUE, JobQueue } from './job-queue.port';
import { jobIds, JobName, poiTrigger } from './proactive.jobs';

/** A trigger younger than this is left to the instance that recorded it (it queues the job at once). */
export const TRIGGER_GRACE_MS = 3000;
/** How often one instance looks for triggers whose instance died before queueing their job. */
export const TRIGGER_RECOVERY_EVERY_MS = 5000;
const RECOVERY_BATCH = 200;
const RECOVERY_PARALLEL = 20;

/**
 * Turns durable triggers into jobs: at once on the instance that answered (relay), and from the
 * scheduled recovery for those whose instance died in between. A trigger is cleared only after its job
 * is queued; a job queued twice is deduplicated by its id, and delivered once by its delivery key.
 */
@Injectable()
export class TriggerRelay {
  private readonly logger = new Logger('Proactive');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly sessions: SessionService,
    private readonly triggers: SessionTriggers,
  ) {}

  /** Queues the job `trigger` stands for, then clears it; a failure is logged and left to the recovery. */
  async relay(sessionId: string, trigger: string, recordedAt: number): Promise<void> {
    try {
      await this.queueJobOf(sessionId, trigger, recordedAt);
      await this.triggers.clear(sessionId, trigger);
    } catch (error) {
      this.logger.warn({
        msg: 'trigger not relayed yet; the recovery will',
        trigger,
        sessionId: redactSessionId(sessionId),
        err: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** The scheduled recovery (one job for all instances). */
  async recover(): Promise<void> {
    const pending = await this.triggers.olderThan(TRIGGER_GRACE_MS, RECOVERY_BATCH);
    for (let i = 0; i < pending.length; i += RECOVERY_PARALLEL) {
      await Promise.all(
        pending.slice(i, i + RECOVERY_PARALLEL).map(async ({ sessionId, trigger, at }) => {
          if (await this.sessions.find(sessionId)) await this.queueJobOf(sessionId, trigger, at);
          await this.triggers.clear(sessionId, trigger);
        }),
      );
    }
    if (pending.length > 0) this.logger.log({ msg: 'pending triggers recovered', count: pending.length });
  }

  private async queueJobOf(sessionId: string, trigger: string, recordedAt: number): Promise<void> {
    if (trigger === CREATED_TRIGGER) {
      const delaySeconds = this.config.proactiveGreetingDelaySeconds;
      if (delaySeconds < 0) return;
      const delayMs = Math.max(0, recordedAt + delaySeconds * 1000 - this.clock.now());
      await this.queue.add(JobName.Greeting, { sessionId }, { jobId: jobIds.greeting(sessionId), delayMs });
      return;
    }
    const poiId = poiTrigger.poiId(trigger);
    if (poiId !== null) {
      await this.queue.add(JobName.Poi, { sessionId, poiId }, { jobId: jobIds.poi(sessionId, poiId) });
      return;
    }
    this.logger.warn({ msg: 'unknown trigger dropped', trigger });
  }
}
