import { MessageKind } from './session.types';

/** Events the proactive module emits (the stats module counts `proactive.sent`). */
export const ProactiveEvents = {
  sent: 'proactive.sent',
} as const;

export interface ProactiveSentEvent {
  sessionId: string;
  kind: MessageKind;
  messageId: string;
}
