import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ArchiveModule } from '../archive';
import { SessionModule } from '../sessions';
import { StatsModule } from '../stats';
import { FrontRequestObserver } from './front-request-observer';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { LifecycleMetricsListener } from './lifecycle-metrics.listener';
import { LoggingModule } from './logging.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
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
  providers: [MetricsService, StoreGauges, LifecycleMetricsListener, FrontRequestObserver],
  exports: [MetricsService, FrontRequestObserver],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
