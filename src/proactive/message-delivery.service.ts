import { Inject, Injectable } from '@nestjs/common';
import { SessionService } from '../sessions';
import { MessageHub } from './message-hub.service';
import { sessionNotFound } from '../common/api-error';
import { coalescingRunner } from '../common/coalescing-runner';
import type { Response } from 'express';
import { CLOCK, Clock } from '../common/clock';
import { MetricsService } from '../observability';
import { MESSAGE_PAGE, MessagesAnswer, toMessageView } from './message-views';
import { SessionMessageStream } from './session-message-stream';

export { MESSAGE_PAGE, toMessageView } from './message-views';
export type { MessagesAnswer, MessageView } from './message-views';

/**
 * Reads a session's messages for a client: at once, after a long-poll wait, or as a stream of items. Waiting
 * clients are parked in the MessageHub; whatever wakes them, they read the stream from their cursor,
 * so a lost or duplicated notification never loses or repeats a message.
 */
@Injectable()
export class MessageDelivery {
  constructor(
    private readonly sessions: SessionService,
    private readonly hub: MessageHub,
    private readonly metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Messages after `after` (null: the pending ones); `after` acknowledges everything up to it. With
   * `waitMs` > 0 and nothing to return, waits for a message until then, or until `signal` aborts.
   */
  async poll(
    sessionId: string,
    after: string | null,
    ackCursor: string,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<MessagesAnswer> {
    if (after !== null) await this.sessions.acknowledge(sessionId, after);
    const start = after ?? ackCursor;
    const read = async (): Promise<MessagesAnswer> => {
      const page = await this.sessions.messagesAfter(sessionId, after, MESSAGE_PAGE);
      return { messages: page.messages.map(toMessageView), cursor: page.messages.at(-1)?.id ?? start };
    };
    const first = await read();
    if (first.messages.length > 0 || waitMs <= 0 || signal.aborted) return first;
    return new Promise<MessagesAnswer>((resolve, reject) => {
      let settled = false;
      this.metrics.longpollWaiting.inc();
      const finish = (answer: MessagesAnswer | Error) => {
        if (settled) return;
        settled = true;
        this.metrics.longpollWaiting.dec();
        detach();
        signal.removeEventListener('abort', onAbort);
        if (answer instanceof Error) reject(answer);
        else resolve(answer);
      };
      const onAbort = () => finish(first);
      const check = coalescingRunner(async () => {
        if (settled) return;
        try {
          const answer = await read();
          if (answer.messages.length > 0) finish(answer);
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      });
      const detach = this.hub.attach(sessionId, {
        wake: () => void check(),
        deadline: this.clock.now() + waitMs,
        expire: () => finish(first),
        close: () => finish(first),
        sessionEnded: () => finish(sessionNotFound()),
      });
      signal.addEventListener('abort', onAbort, { once: true });
      // A message may have arrived between the first read and the subscription.
      void check();
    });
  }

  /**
   * Opens the SSE stream on `response`: first the messages after `lastEventId` (null: the pending
   * ones), then live ones; a heartbeat on the hub's shared timer. It ends when its session does: at
   * once when the end is announced, or at the next heartbeat that finds the session gone (an
   * announcement lost, or an expiry the sweep has not reached yet), and when the client leaves. A
   * client that reconnects then gets 404 and starts a new session. Returns at once: nothing waits
   * on an open stream but its SessionMessageStream in the hub.
   */
  openStream(sessionId: string, lastEventId: string | null, response: Response): void {
    this.metrics.sseConnections.inc();
    const stream = new SessionMessageStream(sessionId, lastEventId, this.sessions);
    const detach = this.hub.attach(sessionId, stream);
    stream.start(response, () => {
      detach();
      this.metrics.sseConnections.dec();
    });
  }
}
