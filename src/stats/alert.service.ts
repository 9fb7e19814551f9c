import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { CLOCK, Clock } from '../common/clock';
import { LEASE, Lease } from '../lease';
import { SessionStoreStatus } from '../sessions';
import { ActiveAlert, alertTransitions, firingAlerts } from './alert-rules';
import { STATS_REPOSITORY, StatsRepository } from './stats.repository';

const INTERVAL_NAME = 'alert-evaluation';
const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * Every ALERT_EVAL_INTERVAL_SECONDS, one instance (the lease, held for the interval) evaluates the
 * alert rules, stores the active alerts for GET /v1/admin/stats, and POSTs each firing or resolved
 * alert to ALERT_WEBHOOK_URL.
 */
@Injectable()
export class AlertService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private running: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEASE) private readonly lease: Lease,
    @Inject(STATS_REPOSITORY) private readonly stats: StatsRepository,
    private readonly sessions: SessionStoreStatus,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.evaluate(), this.config.alertEvalIntervalSeconds * 1000);
    this.scheduler.addInterval(INTERVAL_NAME, timer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
    await this.running;
  }

  evaluate(): Promise<void> {
    this.running ??= this.evaluateOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async evaluateOnce(): Promise<void> {
    try {
      // Not released: whoever evaluates holds it for the interval, so each interval is evaluated once.
      const intervalMs = this.config.alertEvalIntervalSeconds * 1000;
      if (!(await this.lease.acquire('alerts', Math.max(100, intervalMs - 100)))) return;
      const now = this.clock.now();
      const minute = Math.floor(now / 60_000);
      const [createdLast5Min, createdPrevHour, memory, previous] = await Promise.all([
        this.stats.createdBetween(minute - 4, minute),
        this.stats.createdBetween(minute - 64, minute - 5),
        this.sessions.memoryUsage(),
        this.stats.activeAlerts(),
      ]);
      const firing = firingAlerts(
        {
          createdLast5Min,
          createdPrevHour,
          memoryUsed: memory.used,
          memoryLimit: memory.limit ?? this.config.memoryHighWatermarkBytes,
        },
        {
          createRatePerMin: this.config.alertCreateRatePerMin,
          growthFactor: this.config.alertGrowthFactor,
          growthMinRatePerMin: this.config.alertGrowthMinRatePerMin,
          memoryRatio: this.config.alertMemoryRatio,
        },
      );
      const at = new Date(now).toISOString();
      const { active, fired, resolved } = alertTransitions(previous, firing, at);
      await this.stats.setActiveAlerts(active);
      for (const alert of fired) await this.notify('firing', alert, at);
      for (const alert of resolved) await this.notify('resolved', alert, at);
    } catch (error) {
      this.logger.error({ msg: 'alert evaluation failed', err: error });
    }
  }

  private async notify(status: 'firing' | 'resolved', alert: ActiveAlert, at: string): Promise<void> {
    this.logger.warn({
      msg: `alert ${status}`,
      alert: alert.name,
      since: alert.since,
      message: alert.message,
    });
    const url = this.config.alertWebhookUrl;
    if (!url) return;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status, ...alert, at, service: 'tour-guide-sessions' }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    } catch (error) {
      // The alert stays visible in the stats; a lost webhook call is logged, not retried.
      this.logger.error({ msg: 'alert webhook failed', alert: alert.name, status, err: String(error) });
    }
  }
}
