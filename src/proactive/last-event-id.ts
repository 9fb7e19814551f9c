import { ApiError } from '../common/api-error';
import { MESSAGE_ID_PATTERN } from './proactive.dto';

/** The cursor a stream resumes after, from its Last-Event-ID header: null when absent or blank. */
export function resumeCursorOf(lastEventId: string | undefined): string | null {
  const resumeAfter = lastEventId?.trim() || null;
  if (resumeAfter !== null && !MESSAGE_ID_PATTERN.test(resumeAfter)) {
    throw new ApiError('VALIDATION_FAILED', 'Last-Event-ID must be a message id', [
      { field: 'Last-Event-ID', message: 'must be a message id' },
    ]);
  }
  return resumeAfter;
}
