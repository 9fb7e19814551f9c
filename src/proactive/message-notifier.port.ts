/** What the notifier carries: a session has a new message, or the session has ended (its id is gone). */
export interface SessionNotice {
  sessionId: string;
  kind: 'message' | 'ended';
}

/**
 * Tells every instance about a session's messages or its end, so its waiters (long-polls, SSE streams)
 * read the session's stream or finish. A notice may be lost: waiters also re-read on a fallback tick,
 * and SSE streams check on each heartbeat that their session is still live.
 */
export interface MessageNotifier {
  publish(notice: SessionNotice): Promise<void>;
  /**
   * New messages for many sessions in one notice (a broadcast batch): each instance hears it once, and
   * the listener gets one `message` notice per session.
   */
  publishMessages(sessionIds: string[]): Promise<void>;
  /** The instance's one listener (one subscription per instance, whatever the number of waiters). */
  listen(listener: (notice: SessionNotice) => void): Promise<void>;
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

  publishMessages(sessionIds: string[]): Promise<void> {
    for (const sessionId of sessionIds) this.listener?.({ sessionId, kind: 'message' });
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
