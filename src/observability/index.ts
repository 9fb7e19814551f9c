export { ObservabilityModule } from './observability.module';
export { MetricsService } from './metrics.service';
export type { AiOutcome } from './metrics.service';
export { LoggingModule } from './logging.module';
export { AppLogger } from './app-logger';
export { HttpRequestObserver } from './request-observer';
