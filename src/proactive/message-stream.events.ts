import { ServerSentItem } from '../common/http/event-stream';
import { MessageStreamItem } from './message-delivery.service';

/**
 * A session's message stream as the events route's server-sent events (API.md): a `: connected`
 * comment first, each message as `event: message` with `id:` = message id, heartbeats as comments.
 */
export async function* messageStreamEvents(
  items: AsyncIterable<MessageStreamItem>,
): AsyncGenerator<ServerSentItem> {
  yield { comment: 'connected' };
  for await (const item of items) {
    if (item.kind === 'heartbeat') yield { comment: 'heartbeat' };
    else yield { event: 'message', id: item.message.id, data: item.message };
  }
}
