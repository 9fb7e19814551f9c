import type { IncomingMessage, ServerResponse } from 'node:http';
import { assignRequestId, requestIdFor } from '../request-id';
import { securityHeaders } from '../security-headers';

/**
 * What every response carries before any route runs: helmet's headers and X-Request-Id (the client's
 * own when it sent a sane one, else generated). Returns the request id, also tied to the request.
 */
export function prepareResponse(request: IncomingMessage, response: ServerResponse): string {
  for (const [name, value] of securityHeaders()) response.setHeader(name, value);
  const id = requestIdFor(request.headers['x-request-id']);
  response.setHeader('X-Request-Id', id);
  assignRequestId(request, id);
  return id;
}

/**
 * Express's first middleware, in one step rather than one middleware each: the response prepared, the
 * conditional headers dropped (express would answer `If-None-Match: *` with 304 even without an ETag,
 * and 304 is a status the document does not list), and the request handed to `watch` (its duration
 * metric and access line).
 */
export function requestEdge<Req extends IncomingMessage, Res extends ServerResponse>(
  watch: (request: Req, response: Res) => void,
): (request: Req, response: Res, next: () => void) => void {
  return (request, response, next) => {
    delete request.headers['if-none-match'];
    delete request.headers['if-modified-since'];
    prepareResponse(request, response);
    watch(request, response);
    next();
  };
}
