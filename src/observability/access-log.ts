import type { NextFunction, Request, Response } from 'express';
import type pino from 'pino';
import { requestIdOf } from '../common/request-id.middleware';

/** Polled by load balancers every few seconds: not worth a line each. */
const UNLOGGED_PATHS = new Set(['/health/live']);

/**
 * One line per request when its response is done: `request completed`, `request aborted` (the client
 * left before the end) or `request errored` (a 5xx), with the request id, method, URL, user agent,
 * status and time. Headers, cookies and bodies are never logged. Written from the root logger when the
 * response ends: nothing is allocated per request but the listener.
 */
export function accessLog(root: pino.Logger) {
  return function accessLogMiddleware(request: Request, response: Response, next: NextFunction): void {
    // originalUrl: mounted under a route pattern, the middleware sees a `path` with the pattern stripped.
    if (UNLOGGED_PATHS.has(request.originalUrl.split('?', 1)[0])) return next();
    const startedAt = Date.now();
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      const status = response.statusCode;
      const line = {
        req: {
          id: requestIdOf(request),
          method: request.method,
          url: request.originalUrl,
          userAgent: request.headers['user-agent'],
        },
        res: { statusCode: status },
        responseTime: Date.now() - startedAt,
      };
      if (status >= 500) root.error(line, 'request errored');
      else
        root.info(
          line,
          !request.readableAborted && response.writableEnded ? 'request completed' : 'request aborted',
        );
    };
    response.once('finish', done);
    response.once('close', done);
    next();
  };
}
