import type pino from 'pino';

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
