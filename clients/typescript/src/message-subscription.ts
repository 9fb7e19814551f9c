import type { MessagesPage, ProactiveMessage } from './api-types';
import { apiErrorFrom, isAbort, TourApiError } from './errors';
import { backoffDelay, isRetryable, type RetryNotice, type RetryPolicy, sleep } from './retry';
import { isStreamingBody, serverSentEvents } from './sse';

export type Transport = 'sse' | 'long-poll';

export interface SubscribeOptions {
  /** Start after this message id (the last one the app has shown); absent: the pending messages. */
  after?: string | null;
  /** `auto` (default): SSE, and long-poll where the runtime or the network gives no event stream. */
  transport?: Transport | 'auto';
  /** Seconds one long-poll may be held (1..30, default 25). */
  waitSeconds?: number;
  signal?: AbortSignal;
  /** Told when the transport is chosen or changes (e.g. to show "live" or "polling"). */
  onTransport?: (transport: Transport) => void;
  /** Told when a connection opens (an event stream, or a long-poll answered) and when one is lost. */
  onConnection?: (state: 'open' | 'lost') => void;
}

/** What the subscription needs from the client: the two delivery routes of one session. */
export interface SubscriptionDeps {
  policy: RetryPolicy;
  events(
    sessionId: string,
    lastEventId: string | null,
    signal: AbortSignal,
  ): Promise<{ response: Response; error?: unknown }>;
  poll(
    sessionId: string,
    after: string | null,
    waitSeconds: number,
    signal: AbortSignal,
  ): Promise<{ response: Response; data?: MessagesPage; error?: unknown }>;
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * The proactive messages of one session as an async iterator, each once and in order: over SSE,
 * reconnecting with `Last-Event-ID` = the last message received after a drop, or by long-poll with
 * `after` = that message where no event stream is to be had. It ends when `close()` is called or the
 * signal aborts, and throws a TourApiError when the session is gone (SESSION_NOT_FOUND) or another
 * error that no retry mends. Its only state is that cursor, readable as `lastEventId`.
 */
export class MessageSubscription implements AsyncIterable<ProactiveMessage> {
  private cursor: string | null;
  private current: Transport;
  private readonly stop = new AbortController();
  private started = false;

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly sessionId: string,
    private readonly options: SubscribeOptions = {},
  ) {
    this.cursor = options.after ?? null;
    this.current = options.transport === 'long-poll' ? 'long-poll' : 'sse';
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** The id of the last message delivered (the resume point). */
  get lastEventId(): string | null {
    return this.cursor;
  }

  get transport(): Transport {
    return this.current;
  }

  close(): void {
    this.stop.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<ProactiveMessage> {
    if (this.started) throw new Error('A MessageSubscription can be iterated once');
    this.started = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<ProactiveMessage> {
    this.options.onTransport?.(this.current);
    let failures = 0;
    while (!this.stop.signal.aborted) {
      let delivered = 0;
      let failure: unknown = null;
      try {
        const pass = this.current === 'sse' ? this.viaEvents() : this.viaLongPoll();
        for await (const message of pass) {
          delivered += 1;
          failures = 0;
          yield message;
        }
      } catch (error) {
        if (this.stop.signal.aborted || isAbort(error)) return;
        if (!isRetryable(error)) throw error;
        failure = error;
        this.options.onConnection?.('lost');
      }
      // A long-poll that ended empty is the normal rhythm; an event stream that closed having sent
      // nothing, or a failure, waits before the next connection so that it is never a tight loop.
      if (failure === null && (delivered > 0 || this.current === 'long-poll')) continue;
      failures += 1;
      const delayMs = backoffDelay(this.deps.policy, Math.min(failures, 10));
      if (failure !== null) this.deps.onRetry?.({ attempt: failures, delayMs, error: failure });
      await sleep(delayMs, this.stop.signal).catch(() => undefined);
    }
  }

  /** One SSE connection, from the cursor on, until it closes. */
  private async *viaEvents(): AsyncGenerator<ProactiveMessage> {
    const { response, error } = await this.deps.events(this.sessionId, this.cursor, this.stop.signal);
    if (!response.ok) throw apiErrorFrom(response, error);
    const isEventStream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    if (!isEventStream || !isStreamingBody(response.body)) {
      await response.body?.cancel().catch(() => undefined);
      if (this.options.transport === 'sse') {
        throw new TourApiError(200, 'UNEXPECTED_RESPONSE', 'no event stream', undefined);
      }
      this.current = 'long-poll';
      this.options.onTransport?.(this.current);
      return;
    }
    this.options.onConnection?.('open');
    for await (const event of serverSentEvents(response.body)) {
      if (event.event !== 'message') continue;
      const message = JSON.parse(event.data) as ProactiveMessage;
      this.cursor = event.id ?? message.id;
      yield message;
    }
  }

  /** One long-poll: the messages after the cursor, or none when the wait ends. */
  private async *viaLongPoll(): AsyncGenerator<ProactiveMessage> {
    const wait = this.options.waitSeconds ?? 25;
    const { response, data, error } = await this.deps.poll(
      this.sessionId,
      this.cursor,
      wait,
      this.stop.signal,
    );
    if (!response.ok || !data) throw apiErrorFrom(response, error);
    this.options.onConnection?.('open');
    for (const message of data.messages) {
      this.cursor = message.id;
      yield message;
    }
    if (data.messages.length === 0 && data.cursor) this.cursor = data.cursor;
  }
}
