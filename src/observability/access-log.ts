import type { NextFunction, Request, Response } from 'express';
import type pino from 'pino';
import { requestIdOf } from '../common/request-id.middleware';

/** Polled by load balancers every few seconds: not worth a line each. */
const UNLOGGED_PATHS = new Set(['/health/live']);

interface LoggedRequest {
  id: string;
  method: string;
  url: string;
  userAgent: string | undefined;
}

/**
 * The access line: `request completed`, `request aborted` (the client left before the end) or `request
 * errored` (any 5xx, at error level), with the request id, method, URL, user agent, status and time.
 * Headers, cookies and bodies are never logged.
 */
export function writeAccessLine(
  root: pino.Logger,
  request: LoggedRequest,
  statusCode: number,
  responseTimeMs: number,
  end: 'completed' | 'aborted',
): void {
  const { id, method, url, userAgent } = request;
  const line = { req: { id, method, url, userAgent }, res: { statusCode }, responseTime: responseTimeMs };
  if (statusCode >= 500) root.error(line, 'request errored');
  else root.info(line, `request ${end}`);
}

/**
 * One access line per request when its response is done, written from the root logger: nothing is
 * allocated per request but the listener.
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
      const line = {
        id: requestIdOf(request),
        method: request.method,
        url: request.originalUrl,
        userAgent: request.headers['user-agent'],
      };
      const end = !request.readableAborted && response.writableEnded ? 'completed' : 'aborted';
      writeAccessLine(root, line, response.statusCode, Date.now() - startedAt, end);
    };
    response.once('finish', done);
    response.once('close', done);
    next();
  };
}
