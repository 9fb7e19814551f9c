import { OutboxMessage } from '../domain';

/** A message as a notice carries it: the message, and the id before it in its session's outbox ('0': none). */
export interface CarriedMessage {
  message: OutboxMessage;
  after: string;
  /** A batch's message: what every session of the batch got, one object for all of them. */
  common?: Omit<OutboxMessage, 'id'>;
}

/** What the notifier carries: a session has a new message, or the session has ended (its id is gone). */
export interface SessionNotice {
  sessionId: string;
  kind: 'message' | 'ended';
  /** A `message` notice of a batch carries the message itself (a waiter next in line need not read it). */
  carried?: CarriedMessage;
}

/** One message delivered to many sessions (a broadcast batch): what is common, and each session's ids. */
export interface MessageBatch {
  message: Omit<OutboxMessage, 'id'>;
  sessions: Array<{ sessionId: string; id: string; after: string }>;
}

/** The notices a batch stands for, one per session. */
export function noticesOf(batch: MessageBatch): SessionNotice[] {
  return batch.sessions.map(({ sessionId, id, after }) => ({
    sessionId,
    kind: 'message',
    carried: { message: { ...batch.message, id }, after, common: batch.message },
  }));
}

/**
 * Tells every instance about a session's messages or its end, so its waiters (long-polls, SSE streams)
 * read the session's stream or finish. A notice may be lost while a subscriber is disconnected (it
 * then asks for a resync: every waiter reads again), or when a publisher fails after storing its
 * message: waiters also re-read on a slow fallback tick, and SSE streams check on each heartbeat that
 * their session is still live.
 */
export interface MessageNotifier {
  publish(notice: SessionNotice): Promise<void>;
  /** Many notices in one round to the transport (optional: without it, each is published). */
  publishAll?(notices: readonly SessionNotice[]): Promise<void>;
  /**
   * One message delivered to many sessions, in one notice: each instance hears it once, and the
   * listener gets one `message` notice per session, carrying its message.
   */
  publishMessages(batch: MessageBatch): Promise<void>;
  /**
   * The instance's one listener (one subscription per instance, whatever the number of waiters);
   * `resync` is called when the subscription is back after a disconnection (notices may have been
   * missed meanwhile).
   */
  listen(listener: (notice: SessionNotice) => void, resync?: () => void): Promise<void>;
  close(): Promise<void>;
}

export const MESSAGE_NOTIFIER = Symbol('MESSAGE_NOTIFIER');

/** Embedded mode: one instance, so a notice is a function call. */
export class LocalMessageNotifier implements MessageNotifier {
  private listener: ((notice: SessionNotice) => void) | null = null;

  publish(notice: SessionNotice): Promise<void> {
    this.listener?.(notice);
    return Promise.resolve();
  }

  publishMessages(batch: MessageBatch): Promise<void> {
    for (const notice of noticesOf(batch)) this.listener?.(notice);
    return Promise.resolve();
  }

  listen(listener: (notice: SessionNotice) => void): Promise<void> {
    this.listener = listener;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listener = null;
    return Promise.resolve();
  }
}
