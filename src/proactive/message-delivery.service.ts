import { Inject, Injectable } from '@nestjs/common';
import { SessionService } from '../sessions';
import { OutboxMessage } from '../domain';
import { MessageHub } from './message-hub.service';
import { sessionNotFound } from '../common/api-error';
import { coalescingRunner } from '../common/coalescing-runner';
import { AsyncChannel } from '../common/async-channel';
import { CLOCK, Clock } from '../common/clock';
import { MetricsService } from '../observability';

/** API.md: at most 50 messages per answer. */
export const MESSAGE_PAGE = 50;

export interface MessageView {
  id: string;
  kind: OutboxMessage['kind'];
  text: string;
  poiId?: string;
  createdAt: string;
}

/** What an SSE client of a session is sent: a message, or a heartbeat that keeps the line open. */
export type MessageStreamItem = { kind: 'message'; message: MessageView } | { kind: 'heartbeat' };

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
   * The SSE stream's items: first the messages after `lastEventId` (null: the pending ones), then live
   * ones; a heartbeat on the hub's shared timer. It ends when its session does: at once when the end is
   * announced, or at the next heartbeat that finds the session gone (an announcement lost, or an
   * expiry the sweep has not reached yet), and when `signal` aborts (the client left). A client that
   * reconnects then gets 404 and starts a new session.
   */
  events(
    sessionId: string,
    lastEventId: string | null,
    signal: AbortSignal,
  ): AsyncIterable<MessageStreamItem> {
    this.metrics.sseConnections.inc();
    const channel = new AsyncChannel<MessageStreamItem>(() => {
      detach();
      this.metrics.sseConnections.dec();
    });
    let cursor = lastEventId;
    const pump = coalescingRunner(async () => {
      if (channel.isClosed) return false;
      try {
        const page = await this.sessions.messagesAfter(sessionId, cursor, MESSAGE_PAGE);
        for (const message of page.messages) {
          if (channel.isClosed) return false;
          channel.push({ kind: 'message', message: toMessageView(message) });
          cursor = message.id;
        }
        return page.messages.length === MESSAGE_PAGE;
      } catch {
        return false; // The store is unavailable: the next wake or fallback tick tries again.
      }
    });
    const detach = this.hub.attach(sessionId, {
      wake: () => void pump(),
      heartbeat: () => {
        channel.push({ kind: 'heartbeat' });
        void this.endIfGone(sessionId, channel);
      },
      close: () => channel.close(),
      sessionEnded: () => channel.close(),
    });
    signal.addEventListener('abort', () => channel.close(), { once: true });
    void pump();
    return channel;
  }

  private async endIfGone(sessionId: string, channel: AsyncChannel<MessageStreamItem>): Promise<void> {
    try {
      if (!(await this.sessions.find(sessionId))) channel.close();
    } catch {
      // The store is unavailable: keep the stream; the next heartbeat checks again.
    }
  }
}
