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

export function toMessageView(message: OutboxMessage): MessageView {
  return {
    id: message.id,
    kind: message.kind,
    text: message.text,
    ...(message.poiId ? { poiId: message.poiId } : {}),
    createdAt: new Date(message.createdAt).toISOString(),
  };
}
