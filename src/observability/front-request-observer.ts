import { Inject, Injectable } from '@nestjs/common';
import type pino from 'pino';
import type { ObservedRequest, RequestObserver } from '../common/http/front-route';
import { writeAccessLine } from './access-log';
import { ROOT_LOGGER } from './logging.module';
import { MetricsService } from './metrics.service';

/**
 * For a request a front route answered (outside express): the duration metric HttpMetricsMiddleware
 * records, and the access line accessLog writes, in the same shape.
 */
@Injectable()
export class FrontRequestObserver implements RequestObserver {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(ROOT_LOGGER) private readonly root: pino.Logger,
  ) {}

  finished(request: ObservedRequest, statusCode: number): void {
    const elapsedMs = performance.now() - request.startedAt;
    this.metrics.httpRequests.observe(
      { method: request.method, route: request.route, status: String(statusCode) },
      elapsedMs / 1000,
    );
    writeAccessLine(this.root, request, statusCode, Math.round(elapsedMs), 'completed');
  }
}
