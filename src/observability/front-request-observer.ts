import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { ObservedRequest, RequestObserver } from '../common/http/front-route';
import { MetricsService } from './metrics.service';

/**
 * For a request a front route answered (outside express): the duration metric HttpMetricsMiddleware
 * records, and the access log line pino-http writes, in the same shape (`req` through the same
 * serializer, `res`, `responseTime` in ms; a 5xx at error level).
 */
@Injectable()
export class FrontRequestObserver implements RequestObserver {
  constructor(private readonly metrics: MetricsService) {}

  finished(request: ObservedRequest, statusCode: number): void {
    const elapsedMs = performance.now() - request.startedAt;
    this.metrics.httpRequests.observe(
      { method: request.method, route: request.route, status: String(statusCode) },
      elapsedMs / 1000,
    );
    const line = {
      // What the `req` serializer of loggerOptions reads from a request.
      req: {
        id: request.id,
        method: request.method,
        url: request.url,
        headers: { 'user-agent': request.userAgent },
      },
      res: { statusCode },
      responseTime: Math.round(elapsedMs),
    };
    if (statusCode >= 500) {
      PinoLogger.root.error(
        { ...line, err: new Error(`failed with status code ${statusCode}`) },
        'request errored',
      );
    } else {
      PinoLogger.root.info(line, 'request completed');
    }
  }
}
