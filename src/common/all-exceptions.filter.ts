import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorAnswer } from './http/error-answer';
import { requestIdOf } from './request-id';

/** The one global filter: API.md's error envelope for everything; internals never leak. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const { status, body } = errorAnswer(exception, requestIdOf(request));
    // An SSE stream that already started can no longer take a JSON body.
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json(body);
  }
}
