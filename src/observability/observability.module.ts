import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ArchiveModule } from '../archive';
import { SessionModule } from '../sessions';
import { StatsModule } from '../stats';
import { HealthController } from './health.controller';
import { LifecycleMetricsListener } from './lifecycle-metrics.listener';
import { LoggingModule } from './logging.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { HttpRequestObserver } from './request-observer';
import { StoreGauges } from './store-gauges';

@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    LoggingModule,
    SessionModule,
    StatsModule,
    ArchiveModule,
  ],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService, StoreGauges, LifecycleMetricsListener, HttpRequestObserver],
  exports: [MetricsService, HttpRequestObserver],
})
export class ObservabilityModule {}
