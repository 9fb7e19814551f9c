import { Logger } from '@nestjs/common';
import { classifyError } from '../common/error-classification';
import { ServerSentItem } from '../common/http/event-stream';
import { QueryEvent } from './query.pipeline';

const logger = new Logger('QueryStream');

/**
 * The query pipeline's events as the stream route's server-sent events (API.md): `session`, then
 * `delta`…, then `done`, or an `error` event for a failure after the stream has opened. A failure
 * before `session` is thrown, so it is an ordinary JSON error response.
 */
export async function* queryStreamEvents(
  events: AsyncIterable<QueryEvent>,
  signal: AbortSignal,
): AsyncGenerator<ServerSentItem> {
  let opened = false;
  try {
    for await (const event of events) {
      opened = true;
      switch (event.kind) {
        case 'session':
          yield {
            event: 'session',
            data: { sessionId: event.sessionId, sessionCreated: event.sessionCreated },
          };
          break;
        case 'delta':
          yield { event: 'delta', data: { text: event.text } };
          break;
        case 'done':
          yield { event: 'done', data: event.answer.answer };
          break;
      }
    }
  } catch (error) {
    if (!opened) throw error;
    if (signal.aborted) return; // the client left: nobody to tell, nothing to report
    const { code, message } = classifyError(error);
    if (code === 'INTERNAL') logger.error({ msg: 'stream failed', err: error });
    yield { event: 'error', data: { code, message } };
  }
}
