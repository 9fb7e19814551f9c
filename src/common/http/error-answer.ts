import { Logger } from '@nestjs/common';
import { STATUS_OF } from '../api-error';
import { classifyError } from '../error-classification';
import { errorEnvelope, ErrorEnvelope } from '../error-envelope';

const logger = new Logger('Errors');

/**
 * API.md's answer to a failure: its status and error envelope; a 5xx is logged (internals in full, a
 * known outage by its message). The global filter's and the front routes' one rendering.
 */
export function errorAnswer(exception: unknown, requestId: string): { status: number; body: ErrorEnvelope } {
  const { code, message, details } = classifyError(exception);
  const status: number = STATUS_OF[code];
  if (status >= 500) {
    const log = { msg: 'request failed', code, requestId, err: exception };
    if (code === 'INTERNAL') logger.error(log);
    else logger.warn({ ...log, err: exception instanceof Error ? exception.message : String(exception) });
  }
  return { status, body: errorEnvelope(code, message, requestId, details) };
}
