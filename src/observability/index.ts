export { ObservabilityModule } from './observability.module';
export { MetricsService } from './metrics.service';
export type { AiOutcome } from './metrics.service';
export { loggerOptions } from './logger.options';
export { FrontRequestObserver } from './front-request-observer';
