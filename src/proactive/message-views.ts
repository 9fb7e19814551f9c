import { OutboxMessage } from '../domain';

/** API.md: at most 50 messages per answer. */
export const MESSAGE_PAGE = 50;

export interface MessageView {
  id: string;
  kind: OutboxMessage['kind'];
  text: string;
  poiId?: string;
  createdAt: string;
}

export interface MessagesAnswer {
  messages: MessageView[];
  cursor: string;
}

/** A view's JSON begins with its id (toMessageView puts it first). */
const VIEW_HEAD = '{"id":';
/** The JSON of a view after its id (`,"kind":…}`), by the message its batch shares. */
const sharedViewTails = new WeakMap<object, string>();

/**
 * A message as an SSE `message` event whose data is its view's JSON, the same bytes as
 * `{ event: 'message', id, data: toMessageView(message) }` gives. A broadcast writes one such event to
 * every stream of the instance, each with its own id: given the batch's `common` message, the rest of
 * the view is serialized once per batch and instance, not once per stream.
 */
export function messageEvent(
  message: OutboxMessage,
  common?: Omit<OutboxMessage, 'id'>,
): { event: 'message'; id: string; json: string } {
  return { event: 'message', id: message.id, json: viewJson(message, common) };
}

function viewJson(message: OutboxMessage, common?: Omit<OutboxMessage, 'id'>): string {
  if (!common) return JSON.stringify(toMessageView(message));
  let tail = sharedViewTails.get(common);
  if (tail === undefined) {
    const blank = JSON.stringify(toMessageView({ ...common, id: '' })); // {"id":"","kind":…}
    tail = blank.slice(VIEW_HEAD.length + '""'.length);
    sharedViewTails.set(common, tail);
  }
  return `${VIEW_HEAD}${JSON.stringify(message.id)}${tail}`;
}

export function toMessageView(message: OutboxMessage): MessageView {
  return {
    id: message.id,
    kind: message.kind,
    text: message.text,
    ...(message.poiId ? { poiId: message.poiId } : {}),
    createdAt: new Date(message.createdAt).toISOString(),
  };
}
