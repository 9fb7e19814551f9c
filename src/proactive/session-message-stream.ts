import type { Response } from 'express';
import { EventStreamWriter } from '../common/http/event-stream';
import { SessionService } from '../sessions';
import type { Waiter } from './message-hub.service';
import type { CarriedMessage } from './message-notifier.port';
import { MESSAGE_PAGE, messageEvent } from './message-views';
import { OutboxMessage } from '../domain';

/**
 * One SSE client of a session (API.md's events route): a `: connected` comment first, each message as
 * `event: message` with `id:` = message id, heartbeats as comments. What an open stream holds between
 * messages is this object (its methods on the prototype) and its writer: no pending promise, no queue.
 *
 * It reads the session's outbox after its cursor, one read at a time; a message carried by a notice is
 * written without reading when the cursor is the id right before it and no read is under way. Either
 * way the cursor only moves to the id of the message just written, so nothing is lost or sent twice.
 *
 * Backpressure: nothing is written while the socket has not drained. A client that does not read
 * holds at most the socket's buffer; what comes meanwhile stays in the store and is read from the
 * cursor once the socket has drained.
 */
export class SessionMessageStream implements Waiter {
  /** The id of the last message sent; null until the first read (then the cursor it read after). */
  private cursor: string | null;
  private reading = false;
  private readAgain = false;
  /** Something was held back for a client that did not read: read again once it has drained. */
  private behind = false;
  private writer: EventStreamWriter | null = null;

  constructor(
    private readonly sessionId: string,
    lastEventId: string | null,
    private readonly sessions: SessionService,
  ) {
    this.cursor = lastEventId;
  }

  /** Opens the stream on `response`; `onGone` runs once when it is over (client gone, or ended). */
  start(response: Response, onGone: () => void): void {
    this.writer = new EventStreamWriter(response, onGone, () => this.caughtUp());
    this.writer.send({ comment: 'connected' });
    void this.read();
  }

  private get closed(): boolean {
    return !this.writer?.isOpen;
  }

  /** The client has not taken what was written: hold back (and read again when it has). */
  private holdBack(): boolean {
    if (!this.writer?.full) return false;
    this.behind = true;
    return true;
  }

  private caughtUp(): void {
    if (!this.behind) return;
    this.behind = false;
    void this.read();
  }

  private write(message: OutboxMessage, common?: CarriedMessage['common']): void {
    this.writer?.send(messageEvent(message, common));
    this.cursor = message.id;
  }

  wake(carried?: CarriedMessage): void {
    if (this.closed || this.holdBack()) return;
    if (carried && !this.reading && this.cursor !== null && carried.after === this.cursor) {
      this.write(carried.message, carried.common);
      return;
    }
    void this.read();
  }

  /** A heartbeat comment; the session is checked, and the stream ends when it is gone. */
  heartbeat(): void {
    if (this.closed) return;
    if (!this.writer?.full) this.writer?.send({ comment: 'heartbeat' }); // else the client has enough
    void this.endIfGone();
  }

  close(): void {
    this.writer?.end();
  }

  sessionEnded(): void {
    this.writer?.end();
  }

  /** Reads until a page comes back short; a wake meanwhile asks for one more read, never a parallel one. */
  async read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        if (await this.readPage()) this.readAgain = true;
      } while (this.readAgain && !this.closed);
    } finally {
      this.reading = false;
    }
  }

  /** True when the page was full (read on). */
  private async readPage(): Promise<boolean> {
    if (this.closed || this.holdBack()) return false;
    try {
      const page = await this.sessions.messagesAfter(this.sessionId, this.cursor, MESSAGE_PAGE);
      for (const message of page.messages) {
        if (this.closed || this.holdBack()) return false;
        this.write(message);
      }
      // Nothing pending: from now on the stream reads after the cursor that read started from.
      if (this.cursor === null && page.from !== undefined) this.cursor = page.from;
      return page.messages.length === MESSAGE_PAGE;
    } catch {
      return false; // The store is unavailable: the next wake or fallback tick tries again.
    }
  }

  private async endIfGone(): Promise<void> {
    try {
      if (!(await this.sessions.find(this.sessionId))) this.writer?.end();
    } catch {
      // The store is unavailable: keep the stream; the next heartbeat checks again.
    }
  }
}
