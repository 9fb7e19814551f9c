import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_OF } from './api-error';
import { classifyError } from './error-classification';
import { errorEnvelope } from './error-envelope';
import { requestIdOf } from './request-id.middleware';

/** The one global filter: API.md's error envelope for everything; internals never leak. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const { code, message, details } = classifyError(exception);
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
}
