import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { SESSION_REPOSITORY, SessionRepository } from '../sessions/session.repository';
import { BUILT_IN_ALERTS } from '../stats/alert-rules';
import { StatsService } from '../stats/stats.service';
import { MetricsService } from './metrics.service';
import { withinTimeout } from './within-timeout';

/**
 * A scrape must answer even while the store does not (Prometheus' own scrape timeout is 10 s by
 * default): each store read gets this long. A failover then reads store_up 0 within a second.
 */
export const SCRAPE_STORE_TIMEOUT_MS = 1000;

/**
 * The gauges read from the shared store when Prometheus scrapes, so every instance reports the same
 * value: sessions_active, store_up (a ping now, not a remembered state) and alerts_firing{name}.
 * When the store does not answer, store_up is 0 and the other two keep their last value.
 */
@Injectable()
export class StoreGauges implements OnModuleInit {
  private readonly logger = new Logger('Metrics');

  constructor(
    private readonly metrics: MetricsService,
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    private readonly stats: StatsService,
  ) {}

  onModuleInit(): void {
    const registers = [this.metrics.registry];
    // One read of the store per scrape, shared by the three gauges' collect hooks.
    let pending: Promise<void> | null = null;
    const collect = (): Promise<void> => {
      pending ??= this.read(storeUp, active, alerts).finally(() => (pending = null));
      return pending;
    };
    const storeUp: Gauge = new Gauge({
      name: 'store_up',
      help: '1 when the store answers a ping now, else 0',
      registers,
      collect,
    });
    const active: Gauge = new Gauge({
      name: 'sessions_active',
      help: 'Live sessions in the shared store (the same on every instance)',
      registers,
      collect,
    });
    const alerts: Gauge<'name'> = new Gauge({
      name: 'alerts_firing',
      help: 'Built-in alerts (ALERT_* settings) firing as of their last evaluation, by name',
      labelNames: ['name'] as const,
      registers,
      collect,
    });
    for (const name of BUILT_IN_ALERTS) alerts.set({ name }, 0);
  }

  private async read(storeUp: Gauge, active: Gauge, alerts: Gauge<'name'>): Promise<void> {
    try {
      await withinTimeout(this.sessions.ping(), SCRAPE_STORE_TIMEOUT_MS);
    } catch {
      storeUp.set(0);
      return;
    }
    storeUp.set(1);
    try {
      const [count, firing] = await withinTimeout(
        Promise.all([this.sessions.count(), this.stats.activeAlerts()]),
        SCRAPE_STORE_TIMEOUT_MS,
      );
      active.set(count);
      const names = new Set(firing.map((alert) => alert.name));
      for (const name of BUILT_IN_ALERTS) alerts.set({ name }, names.has(name) ? 1 : 0);
    } catch (error) {
      this.logger.warn({ msg: 'store gauges not read', err: String(error) });
    }
  }
}
