import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorEnvelope } from './error-envelope';
import { requestIdOf } from './request-id';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Requests answered here: their route was never reached, as for an unknown URL, but for their body. */
const rejected = new WeakSet<object>();

/** Whether the body parser refused the request's body (400, 413) before any route saw it. */
export const bodyWasRejected = (request: object): boolean => rejected.has(request);

/** Body parsing happens before Nest's routing: its errors get the envelope here. Bad input is never 5xx. */
export function bodyParserErrorHandler(
  error: BodyParserError,
  request: Request,
  response: Response,
  next: NextFunction,
): void {
  if (error.type === 'entity.too.large') {
    rejected.add(request);
    response
      .status(413)
      .json(errorEnvelope('PAYLOAD_TOO_LARGE', 'JSON bodies are limited to 8 MiB', requestIdOf(request)));
    return;
  }
  if (error.type === 'entity.parse.failed' || isClientError(error)) {
    const message = error.type === 'entity.parse.failed' ? 'The body is not valid JSON' : error.message;
    rejected.add(request);
    response
      .status(400)
      .json(errorEnvelope('VALIDATION_FAILED', message, requestIdOf(request), [{ field: 'body', message }]));
    return;
  }
  next(error);
}

const isClientError = (error: BodyParserError) =>
  error.status !== undefined && error.status >= 400 && error.status < 500;

/**
 * A body parser and its errors' envelopes in one middleware (one step of express's router, not two):
 * what `parser` refuses is answered by bodyParserErrorHandler, anything else passes on.
 */
export function withBodyErrors(parser: RequestHandler): RequestHandler {
  return (request, response, next) =>
    parser(request, response, (error?: unknown) =>
      error ? bodyParserErrorHandler(error as BodyParserError, request, response, next) : next(),
    );
}
