import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type pino from 'pino';
import type { ObservedRequest, RequestObserver } from '../common/http/front-route';
import { bodyWasRejected } from '../common/body-parser-errors';
import { requestIdOf } from '../common/request-id';
import { writeAccessLine } from './access-log';
import { ROOT_LOGGER } from './logging.module';
import { MetricsService } from './metrics.service';

/**
 * The route label: the route's pattern; `body_rejected` when the body parser refused the body before
 * routing (400, 413); `unmatched` when no route took the URL (404).
 */
function routeLabel(request: Request, route: string | undefined): string {
  if (route) return `${request.baseUrl}${route}`;
  return bodyWasRejected(request) ? 'body_rejected' : 'unmatched';
}

/** Polled by load balancers every few seconds: not worth a line each. */
const UNLOGGED_PATHS = new Set(['/health/live']);

type DurationSeries = { observe(seconds: number): void };

/**
 * Every request's duration metric (`http_request_duration_seconds`, the route label the route pattern,
 * never the raw URL) and access line (access-log.ts), from one listener per request: `watch` for the
 * express pipeline (called by its first middleware, requestEdge), `finished` for a request a front
 * route answered outside it.
 */
@Injectable()
export class HttpRequestObserver implements RequestObserver {
  /** One series per method, route and status, resolved once rather than by label lookup per request. */
  private readonly series = new Map<string, DurationSeries>();

  constructor(
    private readonly metrics: MetricsService,
    @Inject(ROOT_LOGGER) private readonly root: pino.Logger,
  ) {}

  /** Called by express's first middleware: it sees every request, those the body parser rejects too. */
  readonly watch = (request: Request, response: Response): void => {
    const startedAt = performance.now();
    // 'close' follows 'finish' for a response sent whole, and comes alone when the client left first.
    response.once('close', () => {
      const elapsedMs = performance.now() - startedAt;
      const completed = !request.readableAborted && response.writableFinished;
      const { statusCode } = response;
      if (completed) {
        const route = (request.route as { path?: string } | undefined)?.path;
        this.observe(request.method, routeLabel(request, route), statusCode, elapsedMs);
      }
      // originalUrl: the URL as sent, whatever router the request went through.
      const url = request.originalUrl;
      if (UNLOGGED_PATHS.has(url.split('?', 1)[0])) return;
      const line = {
        id: requestIdOf(request),
        method: request.method,
        url,
        userAgent: request.headers['user-agent'],
      };
      writeAccessLine(
        this.root,
        line,
        statusCode,
        Math.round(elapsedMs),
        completed ? 'completed' : 'aborted',
      );
    });
  };

  finished(request: ObservedRequest, statusCode: number): void {
    const elapsedMs = performance.now() - request.startedAt;
    this.observe(request.method, request.route, statusCode, elapsedMs);
    writeAccessLine(this.root, request, statusCode, Math.round(elapsedMs), 'completed');
  }

  private observe(method: string, route: string, statusCode: number, elapsedMs: number): void {
    const key = `${method} ${statusCode} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = this.metrics.httpRequests.labels({ method, route, status: String(statusCode) });
      this.series.set(key, series);
    }
    series.observe(elapsedMs / 1000);
  }
}
