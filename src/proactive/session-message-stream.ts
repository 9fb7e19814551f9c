import { AsyncChannel } from '../common/async-channel';
import { SessionService } from '../sessions';
import type { Waiter } from './message-hub.service';
import type { CarriedMessage } from './message-notifier.port';
import { MESSAGE_PAGE, MessageStreamItem, toMessageView } from './message-views';

/**
 * One SSE client's waiter: what an open stream holds between messages is this object (its methods on
 * the prototype, no closures of its own) and the channel its items go out through. It reads the
 * session's outbox after its cursor, one read at a time; a message carried by a notice is taken
 * without reading when the cursor is the id right before it and no read is under way. Either way the
 * cursor only moves to the id of the message just pushed, so nothing is lost or sent twice.
 *
 * Backpressure: the writer takes an item only when the socket has drained, and this stream pushes no
 * more than STREAM_BUFFER_LIMIT items ahead of it. A client that does not read holds at most that
 * (and the socket's buffer); what comes meanwhile stays in the store, and is read from the cursor
 * once the client has taken everything pushed.
 */
/** Items (messages, heartbeats) an SSE stream holds for a client that has not taken them yet. */
export const STREAM_BUFFER_LIMIT = 64;

export class SessionMessageStream implements Waiter {
  /** The id of the last message sent; null until the first read (then the cursor it read after). */
  private cursor: string | null;
  private reading = false;
  private readAgain = false;
  /** Something was held back for a client that did not read: read again once it has taken all. */
  private behind = false;

  constructor(
    private readonly sessionId: string,
    lastEventId: string | null,
    private readonly sessions: SessionService,
    readonly channel: AsyncChannel<MessageStreamItem>,
  ) {
    this.cursor = lastEventId;
    channel.onEmptied = () => this.caughtUp();
  }

  private get full(): boolean {
    return this.channel.size >= STREAM_BUFFER_LIMIT;
  }

  private caughtUp(): void {
    if (!this.behind) return;
    this.behind = false;
    void this.read();
  }

  wake(carried?: CarriedMessage): void {
    if (this.full) {
      this.behind = true;
      return;
    }
    if (carried && !this.reading && this.cursor !== null && carried.after === this.cursor) {
      if (this.channel.isClosed) return;
      this.channel.push({ kind: 'message', message: toMessageView(carried.message) });
      this.cursor = carried.message.id;
      return;
    }
    void this.read();
  }

  /** A heartbeat comment; the session is checked, and the stream ends when it is gone. */
  heartbeat(): void {
    if (!this.full) this.channel.push({ kind: 'heartbeat' }); // a client not reading has enough queued
    void this.endIfGone();
  }

  close(): void {
    this.channel.close();
  }

  sessionEnded(): void {
    this.channel.close();
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
      } while (this.readAgain && !this.channel.isClosed);
    } finally {
      this.reading = false;
    }
  }

  /** True when the page was full (read on). */
  private async readPage(): Promise<boolean> {
    if (this.channel.isClosed) return false;
    try {
      const page = await this.sessions.messagesAfter(this.sessionId, this.cursor, MESSAGE_PAGE);
      for (const message of page.messages) {
        if (this.channel.isClosed) return false;
        if (this.full) {
          this.behind = true;
          return false;
        }
        this.channel.push({ kind: 'message', message: toMessageView(message) });
        this.cursor = message.id;
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
      if (!(await this.sessions.find(this.sessionId))) this.channel.close();
    } catch {
      // The store is unavailable: keep the stream; the next heartbeat checks again.
    }
  }
}
