import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { redactSessionId, DeliveryOptions, PushedMessage, SessionService } from '../sessions';
import { MessageKind, OutboxMessage, ProactiveEvents, ProactiveSentEvent } from '../domain';
import { MessageHub } from './message-hub.service';

/** Puts a message in a session's stream (and history), wakes its waiters everywhere, counts it. */
@Injectable()
export class ProactiveOutbox {
  private readonly logger = new Logger('Proactive');

  constructor(
    private readonly sessions: SessionService,
    private readonly hub: MessageHub,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * Null when nothing was sent: the session is gone (nothing goes to an ended or expired session), or
   * the delivery key was delivered before.
   */
  async send(
    sessionId: string,
    kind: MessageKind,
    text: string,
    options: DeliveryOptions = {},
  ): Promise<OutboxMessage | null> {
    const message = await this.sessions.deliver(sessionId, kind, text, options);
    if (!message) return null;
    this.logger.log({ msg: 'proactive message sent', kind, sessionId: redactSessionId(sessionId) });
    this.events.emit(ProactiveEvents.sent, {
      sessionId,
      kind,
      messageId: message.id,
    } satisfies ProactiveSentEvent);
    // The message is stored; a lost notification only costs the waiters' fallback delay.
    await this.hub
      .notify(sessionId)
      .catch((error: unknown) => this.logger.warn({ msg: 'message notification lost', err: String(error) }));
    return message;
  }

  /**
   * One message to many sessions (a broadcast batch): one store round trip and one notice for all of
   * them, one log line; counted per message. What each session got, in the order of `sessionIds`.
   */
  async sendToEach(
    sessionIds: string[],
    kind: MessageKind,
    text: string,
    options: DeliveryOptions = {},
  ): Promise<Array<PushedMessage | null>> {
    const sent = await this.sessions.deliverToEach(sessionIds, kind, text, options);
    const served = sessionIds.flatMap((sessionId, i) => {
      const pushed = sent[i];
      return pushed ? [{ sessionId, id: pushed.id, after: pushed.after }] : [];
    });
    const first = sent.find((pushed) => pushed !== null);
    if (!first) return sent;
    this.logger.log({ msg: 'proactive messages sent', kind, sessions: served.length });
    sent.forEach((message, i) => {
      if (!message) return;
      this.events.emit(ProactiveEvents.sent, {
        sessionId: sessionIds[i],
        kind,
        messageId: message.id,
      } satisfies ProactiveSentEvent);
    });
    const { id: _id, after: _after, ...message } = first;
    await this.hub
      .notifyEach({ message, sessions: served })
      .catch((error: unknown) => this.logger.warn({ msg: 'message notification lost', err: String(error) }));
    return sent;
  }
}
