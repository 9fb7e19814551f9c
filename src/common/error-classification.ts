import { BadRequestException, HttpException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ModelUnavailableError } from '../domain';
import { ApiError, ErrorCode, ErrorDetail, StoreUnavailableError } from './api-error';
import { ValidationFailedException } from './validation.pipe';

export interface ClassifiedError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/**
 * What any failure means to a client, as API.md's code and a message that leaks no internals: the
 * error envelope of the global filter, and the `error` event of a stream that has already started.
 */
export function classifyError(exception: unknown): ClassifiedError {
  if (exception instanceof ApiError) return exception;
  if (exception instanceof ValidationFailedException) {
    return { code: 'VALIDATION_FAILED', message: 'The request is not valid', details: exception.details };
  }
  if (exception instanceof StoreUnavailableError) {
    return { code: 'STORE_UNAVAILABLE', message: 'The session store is unavailable; try again shortly' };
  }
  if (exception instanceof ModelUnavailableError) {
    return { code: 'AI_UNAVAILABLE', message: 'The guide model is unavailable; try again shortly' };
  }
  if (exception instanceof ThrottlerException) {
    return { code: 'RATE_LIMITED', message: 'Too many requests; slow down' };
  }
  if (exception instanceof BadRequestException) {
    return { code: 'VALIDATION_FAILED', message: exception.message };
  }
  if (exception instanceof HttpException) {
    return fromStatus(exception.getStatus(), exception.message);
  }
  return { code: 'INTERNAL', message: 'Internal error' };
}

function fromStatus(status: number, message: string): ClassifiedError {
  switch (status) {
    case 404:
      return { code: 'NOT_FOUND', message: 'No such route' };
    case 401:
    case 403:
      return { code: 'UNAUTHORIZED', message };
    case 413:
      return { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' };
    case 429:
      return { code: 'RATE_LIMITED', message };
    case 503:
      return { code: 'STORE_UNAVAILABLE', message: 'A dependency of the service does not answer' };
    case 409:
      return { code: 'CONFLICT', message };
    default:
      return status < 500
        ? { code: 'VALIDATION_FAILED', message }
        : { code: 'INTERNAL', message: 'Internal error' };
  }
}
