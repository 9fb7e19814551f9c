import type { StreamErrorData } from './api-types';
import type { components } from './schema';

/** One entry of an error envelope's `details` (`{field, message}` for validation, `{sessionId}` for AI_UNAVAILABLE). */
export type ErrorDetail = Record<string, string>;

/**
 * The error codes of the document's ErrorEnvelope (API.md "Errors"), and `UNEXPECTED_RESPONSE` for an
 * answer that is not an error envelope at all (a proxy's HTML error page, a body cut short).
 */
export type ErrorCode = components['schemas']['ErrorBody']['code'] | 'UNEXPECTED_RESPONSE';

/** The service answered with an error: the envelope's `code`, `message`, `details` and `requestId`. */
export class TourApiError extends Error {
  override readonly name = 'TourApiError';

  constructor(
    /** HTTP status; 200 for an `error` event inside an opened stream. */
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly requestId: string | undefined,
    readonly details: ErrorDetail[] = [],
    /** `Retry-After` of the response in milliseconds, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth trying again with the same request (and the same `Idempotency-Key`). */
  get retryable(): boolean {
    return (
      this.code === 'AI_UNAVAILABLE' ||
      this.code === 'STORE_UNAVAILABLE' ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504
    );
  }
}

/** The request never got an answer (connection refused or cut, DNS, CORS), after every retry. */
export class TourNetworkError extends Error {
  override readonly name = 'TourNetworkError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

interface Envelope {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
  requestId?: string;
}

function isEnvelope(body: unknown): body is Envelope {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return (
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
  );
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The typed error of a non-2xx response whose body has already been parsed (or failed to parse). */
export function apiErrorFrom(response: Response, body: unknown): TourApiError {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  if (isEnvelope(body)) {
    const { code, message, details } = body.error;
    return new TourApiError(
      response.status,
      code,
      message,
      body.requestId ?? requestId,
      details ?? [],
      retryAfterMs(response),
    );
  }
  return new TourApiError(
    response.status,
    'UNEXPECTED_RESPONSE',
    `HTTP ${response.status} without an error envelope`,
    requestId,
    [],
    retryAfterMs(response),
  );
}

/** The typed error of an `error` event of an opened stream (`{code, message}`). */
export function streamError(data: StreamErrorData, requestId?: string): TourApiError {
  return new TourApiError(200, data.code, data.message, requestId);
}

/** By name, not instanceof: fetch's errors may come from another realm (a worker, a test sandbox). */
function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

/** A failed fetch or a body cut short (fetch's TypeError), not an HTTP status: worth retrying. */
export function isNetworkError(error: unknown): boolean {
  return errorName(error) === 'TypeError';
}

export function isAbort(error: unknown): boolean {
  const name = errorName(error);
  return name === 'AbortError' || name === 'TimeoutError';
}
