import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Generated ids: 16 hex digits drawn at random once (and again whenever the counter wraps), then an
 * 8-digit counter. Unique without a call into the CSPRNG per request; unguessable is not needed, an id
 * only ties a response to its log lines.
 */
let idPrefix = '';
let idCounter = 0xffffffff;
function nextRequestId(): string {
  idCounter = (idCounter + 1) >>> 0;
  if (idCounter === 0) idPrefix = randomBytes(8).toString('hex');
  return idPrefix + idCounter.toString(16).padStart(8, '0');
}
const REQUEST_ID = Symbol('requestId');

type WithRequestId = IncomingMessage & { [REQUEST_ID]?: string };

/** The client's X-Request-Id when it sent a sane one, else a generated one. */
export function requestIdFor(sent: string | string[] | undefined): string {
  // Not UUID-shaped: the log redaction of session ids (UUID v4) must leave request ids readable.
  return typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : nextRequestId();
}

/** Ties `id` to the request, for requestIdOf. */
export function assignRequestId(request: IncomingMessage, id: string): void {
  (request as WithRequestId)[REQUEST_ID] = id;
}

export function requestIdOf(request: IncomingMessage): string {
  return (request as WithRequestId)[REQUEST_ID] ?? 'unknown';
}
