import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { CLOCK, Clock } from '../common/clock';
import { MetricsService } from '../observability';
import { LEASE, Lease } from '../lease';
import { SessionMaintenance } from '../sessions';
import { SweepService } from './sweep.service';

export const CLEANUP_JOB = 'session-cleanup';
const LEASE_NAME = 'cleanup';
/**
 * A crashed sweeper frees the lease after this long. A sweep renews it between batches (each far
 * shorter), so it runs as long as its backlog needs and stops as soon as it no longer holds the lease.
 */
const LEASE_TTL_MS = 60_000;

/**
 * The scheduled cleanup (CLEANUP_CRON): the sweep, then the memory-pressure check, by one instance at a
 * time (the lease). The expression comes from config, so the job is registered at start rather than
 * through a static @Cron decorator.
 */
@Injectable()
export class CleanupService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Cleanup');
  private running: Promise<void> | null = null;
  private job: CronJob | null = null;
  /** Set at shutdown: a sweep in progress stops after its current batch. */
  private stopping = false;
  /** When the running sweep last extended its lease. */
  private renewedAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEASE) private readonly lease: Lease,
    private readonly sweeper: SweepService,
    private readonly sessions: SessionMaintenance,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.job = CronJob.from({ cronTime: this.config.cleanupCron, onTick: () => void this.run() });
    this.scheduler.addCronJob(CLEANUP_JOB, this.job);
    this.job.start();
  }

  /** Stops the schedule and waits for a run in progress, while the store and archive are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Called twice (by Nest, and by the shutdown archiver first): the job is deleted once.
    if (this.job) {
      this.job = null;
      this.scheduler.deleteCronJob(CLEANUP_JOB); // stops it
    }
    await this.running;
  }

  /** One cleanup run; a tick that finds the previous run still going is skipped. */
  run(): Promise<void> {
    this.running ??= this.runOnce().finally(() => (this.running = null));
    return this.running;
  }

  /** Between batches: go on unless shutting down, renewing the lease once a quarter of it has passed. */
  private async keepSweeping(token: string): Promise<boolean> {
    if (this.stopping) return false;
    const now = this.clock.now();
    if (now - this.renewedAt < LEASE_TTL_MS / 4) return true;
    this.renewedAt = now;
    return this.lease.renew(LEASE_NAME, token, LEASE_TTL_MS);
  }

  private async runOnce(): Promise<void> {
    try {
      const token = await this.lease.acquire(LEASE_NAME, LEASE_TTL_MS);
      if (!token) return; // another instance is cleaning up
      const started = this.clock.now();
      this.renewedAt = started;
      try {
        const stopTimer = this.metrics.sweepDuration.startTimer();
        const swept = await this.sweeper.sweep(() => this.keepSweeping(token));
        stopTimer();
        if (swept.ended + swept.leftovers + swept.failed > 0) {
          this.logger.log({ msg: 'sweep done', ...swept, durationMs: this.clock.now() - started });
        }
        await this.sessions.relieveMemoryPressure();
      } finally {
        await this.lease.release(LEASE_NAME, token);
      }
    } catch (error) {
      // The store or the archive is down: the next tick tries again.
      this.logger.error({ msg: 'cleanup run failed', err: error });
    }
  }
}
