import {
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  BadRequestError,
  UnprocessableEntityError,
} from 'openai';
import { BrokenCircuitError } from 'cockatiel';
import { ModelFailure } from '../domain';

/**
 * A failure that says nothing about the provider's health: the visitor went away, or this one request
 * was refused (an unreadable image, a context too long). The circuit breaker ignores these, so one
 * client cannot open the circuit for everyone.
 */
export class NotAnOutageError extends Error {
  constructor(
    readonly reason: 'client_aborted' | 'request_rejected',
    readonly original: unknown,
  ) {
    super(reason);
    this.name = 'NotAnOutageError';
  }
}

/** The model returned no text: treated as a provider failure. */
export class EmptyAnswerError extends Error {
  constructor() {
    super('The model returned an empty answer');
    this.name = 'EmptyAnswerError';
  }
}

/** Our own deadline fired (the whole call, retries included, or a stalled stream). */
export class ModelDeadlineError extends Error {
  constructor(timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
    this.name = 'ModelDeadlineError';
  }
}

/** Sorts an SDK error before the breaker sees it. */
export function classifyFailure(error: unknown, clientSignal: AbortSignal | undefined): unknown {
  if (clientSignal?.aborted) return new NotAnOutageError('client_aborted', error);
  if (error instanceof BadRequestError || error instanceof UnprocessableEntityError) {
    return new NotAnOutageError('request_rejected', error);
  }
  return error;
}

/** The metric outcome of a failure (see ModelFailure). */
export function failureOf(error: unknown): ModelFailure {
  if (error instanceof NotAnOutageError && error.reason === 'client_aborted') return 'client_aborted';
  if (error instanceof BrokenCircuitError) return 'circuit_open';
  if (error instanceof ModelDeadlineError || error instanceof APIConnectionTimeoutError) return 'timeout';
  return 'error';
}

/** A short, loggable account of a failure. */
export function describeFailure(error: unknown): string {
  const inner = error instanceof NotAnOutageError ? error.original : error;
  if (error instanceof NotAnOutageError && error.reason === 'client_aborted')
    return 'request aborted by the client';
  if (error instanceof BrokenCircuitError)
    return 'circuit open (the provider failed repeatedly; failing fast)';
  if (inner instanceof APIConnectionTimeoutError) return 'provider timed out';
  if (inner instanceof APIUserAbortError) return 'aborted';
  if (inner instanceof APIError && inner.status !== undefined)
    return `provider answered HTTP ${inner.status}: ${inner.message}`;
  if (inner instanceof Error) return `${inner.name}: ${inner.message}`;
  return String(inner);
}

/**
 * Removes what must never reach a log (API.md): the API key, bearer tokens and image data. Provider
 * error messages sometimes quote the key or the request.
 */
export function redact(text: string, apiKey: string): string {
  let result = text;
  if (apiKey.length >= 4) result = result.split(apiKey).join('[redacted key]');
  return result
    .replace(/Bearer\s+[^\s"',]+/gi, 'Bearer [redacted]')
    .replace(/sk-[A-Za-z0-9_-]{8,}/g, 'sk-[redacted]')
    .replace(/data:[a-z]+\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+/gi, 'data:[image redacted]');
}
