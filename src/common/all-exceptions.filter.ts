import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ModelUnavailableError } from '../ai/guide-model.port';
import { ApiError, ErrorCode, ErrorDetail, STATUS_OF, StoreUnavailableError } from './api-error';
import { errorEnvelope } from './error-envelope';
import { requestIdOf } from './request-id.middleware';
import { ValidationFailedException } from './validation.pipe';

/** The one global filter: API.md's error envelope for everything; internals never leak. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const { code, message, details } = this.classify(exception);
    const status: number = STATUS_OF[code];
    if (status >= 500) {
      const log = { msg: 'request failed', code, requestId: requestIdOf(request), err: exception };
      if (code === 'INTERNAL') this.logger.error(log);
      else
        this.logger.warn({ ...log, err: exception instanceof Error ? exception.message : String(exception) });
    }
    // An SSE stream that already started can no longer take a JSON body.
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json(errorEnvelope(code, message, requestIdOf(request), details));
  }

  private classify(exception: unknown): { code: ErrorCode; message: string; details?: ErrorDetail[] } {
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
      return this.fromStatus(exception.getStatus(), exception.message);
    }
    return { code: 'INTERNAL', message: 'Internal error' };
  }

  private fromStatus(status: number, message: string): { code: ErrorCode; message: string } {
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
}
