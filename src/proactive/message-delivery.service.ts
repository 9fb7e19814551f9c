import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { SessionService } from '../sessions';
import { OutboxMessage } from '../domain';
import { MessageHub } from './message-hub.service';
import { sessionNotFound } from '../common/api-error';
import { coalescingRunner } from '../common/coalescing-runner';
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
 * Reads a session's messages for a client: at once, after a long-poll wait, or as an SSE stream. Waiting
 * clients are parked in the MessageHub; whatever wakes them, they read the stream from their cursor,
 * so a lost or duplicated notification never loses or repeats a message.
 */
@Injectable()
export class MessageDelivery {
  constructor(
    private readonly sessions: SessionService,
    private readonly hub: MessageHub,
    private readonly metrics: MetricsService,
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
        deadline: Date.now() + waitMs,
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
   * SSE: first the messages after `lastEventId` (null: the pending ones), then live ones, each as
   * `event: message` with `id:` = message id; a heartbeat comment on the hub's shared timer. The stream
   * ends when its session does: at once when the end is announced, or at the next heartbeat that finds
   * the session gone (an announcement lost, or an expiry the sweep has not reached yet). A client that
   * reconnects then gets 404 and starts a new session.
   */
  stream(sessionId: string, lastEventId: string | null, response: Response): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(': connected\n\n');
    this.metrics.sseConnections.inc();
    let cursor = lastEventId;
    let open = true;
    const pump = coalescingRunner(async () => {
      if (!open) return false;
      try {
        const page = await this.sessions.messagesAfter(sessionId, cursor, MESSAGE_PAGE);
        for (const message of page.messages) {
          if (!open) return false;
          response.write(
            `id: ${message.id}\nevent: message\ndata: ${JSON.stringify(toMessageView(message))}\n\n`,
          );
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
        response.write(': heartbeat\n\n');
        void this.endIfGone(sessionId, response);
      },
      close: () => response.end(),
      sessionEnded: () => response.end(),
    });
    response.on('close', () => {
      open = false;
      this.metrics.sseConnections.dec();
      detach();
    });
    void pump();
  }

  private async endIfGone(sessionId: string, response: Response): Promise<void> {
    try {
      if (!(await this.sessions.find(sessionId))) response.end();
    } catch {
      // The store is unavailable: keep the stream; the next heartbeat checks again.
    }
  }
}
