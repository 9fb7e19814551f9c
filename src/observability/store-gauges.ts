import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SessionStoreStatus } from '../sessions';
import { BUILT_IN_ALERTS, StatsService } from '../stats';
import { MetricsService } from './metrics.service';
import { withinTimeout } from './within-timeout';

/**
 * A scrape must answer even while the store does not (Prometheus' own scrape timeout is 10 s by
 * default): each store read gets this long. A failover then reads store_up 0 within a second.
 */
export const SCRAPE_STORE_TIMEOUT_MS = 1000;

interface StoreGaugeSet {
  storeUp: Gauge;
  active: Gauge;
  alerts: Gauge<'name'>;
  memoryUsed: Gauge;
  memoryLimit: Gauge;
}

/**
 * The gauges read from the shared store when Prometheus scrapes, so every instance reports the same
 * value: sessions_active, store_up (a ping now, not a remembered state), alerts_firing{name} and the
 * store's memory. When the store does not answer, store_up is 0 and the others keep their last value.
 */
@Injectable()
export class StoreGauges implements OnModuleInit {
  private readonly logger = new Logger('Metrics');
  private gauges: StoreGaugeSet | null = null;
  /** One read of the store per scrape, shared by every gauge's collect hook. */
  private pending: Promise<void> | null = null;

  constructor(
    private readonly metrics: MetricsService,
    private readonly sessions: SessionStoreStatus,
    private readonly stats: StatsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const collect = (): Promise<void> => {
      this.pending ??= this.read().finally(() => (this.pending = null));
      return this.pending;
    };
    const gauge = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers: [this.metrics.registry], collect });
    this.gauges = {
      storeUp: gauge('store_up', '1 when the store answers a ping now, else 0'),
      active: gauge('sessions_active', 'Live sessions in the shared store (the same on every instance)'),
      alerts: gauge('alerts_firing', 'Built-in alerts (ALERT_*) firing as of their last evaluation', [
        'name',
      ]),
      memoryUsed: gauge('store_memory_used_bytes', 'Bytes the store uses (on a Cluster, its fullest master)'),
      memoryLimit: gauge(
        'store_memory_limit_bytes',
        'The limit store memory is compared with (maxmemory, the heap limit, else MEMORY_HIGH_WATERMARK_BYTES); 0: none',
      ),
    };
    for (const name of BUILT_IN_ALERTS) this.gauges.alerts.set({ name }, 0);
  }

  private async read(): Promise<void> {
    const gauges = this.gauges;
    if (!gauges) return;
    try {
      await withinTimeout(this.sessions.ping(), SCRAPE_STORE_TIMEOUT_MS);
    } catch {
      gauges.storeUp.set(0);
      return;
    }
    gauges.storeUp.set(1);
    try {
      const [count, firing, memory] = await withinTimeout(
        Promise.all([this.sessions.count(), this.stats.activeAlerts(), this.sessions.memoryUsage()]),
        SCRAPE_STORE_TIMEOUT_MS,
      );
      gauges.active.set(count);
      const names = new Set(firing.map((alert) => alert.name));
      for (const name of BUILT_IN_ALERTS) gauges.alerts.set({ name }, names.has(name) ? 1 : 0);
      gauges.memoryUsed.set(memory.used);
      gauges.memoryLimit.set(memory.limit ?? this.config.memoryHighWatermarkBytes ?? 0);
    } catch (error) {
      this.logger.warn({ msg: 'store gauges not read', err: String(error) });
    }
  }
}
