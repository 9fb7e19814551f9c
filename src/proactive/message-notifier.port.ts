/**
 * Tells every instance that a session has a new message, so its waiters (long-polls, SSE streams) read
 * the session's stream. A notification may be lost; waiters also re-read on a fallback tick.
 */
export interface MessageNotifier {
  publish(sessionId: string): Promise<void>;
  /** The instance's one listener (one subscription per instance, whatever the number of waiters). */
  listen(listener: (sessionId: string) => void): Promise<void>;
  close(): Promise<void>;
}

export const MESSAGE_NOTIFIER = Symbol('MESSAGE_NOTIFIER');

/** Embedded mode: one instance, so a notification is a function call. */
export class LocalMessageNotifier implements MessageNotifier {
  private listener: ((sessionId: string) => void) | null = null;

  publish(sessionId: string): Promise<void> {
    this.listener?.(sessionId);
    return Promise.resolve();
  }

  listen(listener: (sessionId: string) => void): Promise<void> {
    this.listener = listener;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listener = null;
    return Promise.resolve();
  }
}
