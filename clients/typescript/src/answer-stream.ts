import type { Answer, StreamDeltaData, StreamErrorData, StreamSessionData } from './api-types';
import { DeltaJoiner } from './delta-joiner';
import { apiErrorFrom, streamError, TourApiError } from './errors';
import { backoffDelay, isRetryable, type RetryNotice, type RetryPolicy, sleep } from './retry';
import { isStreamingBody, serverSentEvents } from './sse';

/** What the stream needs from the client: one POST /v1/query/stream, and session adoption. */
export interface AnswerStreamDeps {
  policy: RetryPolicy;
  /** Opens one try, naming the session adopted so far (it may change at a `session` event). */
  open(signal: AbortSignal | undefined): Promise<{ response: Response; error?: unknown }>;
  adopt(sessionId: string): void;
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * A streamed answer: iterate it for the text deltas as they arrive; `answer` then holds the stored
 * answer (`seq`, `text`, `createdAt`). A network error or a 503 before `done` is retried with the same
 * `Idempotency-Key`, so the service stores one turn pair however often it is tried; see DeltaJoiner for
 * what the deltas look like across a retry. Iterating drives the request: nothing is sent before.
 */
export class AnswerStream implements AsyncIterable<string> {
  /** Settles when iteration ends: the stored answer, or the error the loop threw. */
  readonly answer: Promise<Answer>;
  private settle!: { resolve: (answer: Answer) => void; reject: (error: unknown) => void };
  private readonly joiner = new DeltaJoiner();
  private started = false;

  constructor(
    private readonly deps: AnswerStreamDeps,
    private readonly signal?: AbortSignal,
  ) {
    this.answer = new Promise<Answer>((resolve, reject) => (this.settle = { resolve, reject }));
    this.answer.catch(() => undefined); // the loop throws the same error; awaiting `answer` is optional
  }

  /** The text shown so far. */
  get text(): string {
    return this.joiner.text;
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.started) throw new Error('An AnswerStream can be iterated once');
    this.started = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<string> {
    try {
      for (let tryNumber = 1; ; tryNumber++) {
        this.joiner.restart();
        try {
          const answer = yield* this.attempt();
          this.settle.resolve(answer);
          return;
        } catch (error) {
          if (this.signal?.aborted || !isRetryable(error) || tryNumber >= this.deps.policy.attempts)
            throw error;
          const retryAfter = error instanceof TourApiError ? error.retryAfterMs : undefined;
          const delayMs = backoffDelay(this.deps.policy, tryNumber, retryAfter);
          this.deps.onRetry?.({ attempt: tryNumber, delayMs, error });
          await sleep(delayMs, this.signal);
        }
      }
    } catch (error) {
      this.settle.reject(error);
      throw error;
    }
  }

  /** One try: `session`, `delta`…, then `done` (returned) or `error` (thrown). */
  private async *attempt(): AsyncGenerator<string, Answer> {
    const { response, error } = await this.deps.open(this.signal);
    if (!response.ok) throw apiErrorFrom(response, error);
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (!isStreamingBody(response.body)) {
      throw new TourApiError(response.status, 'UNEXPECTED_RESPONSE', 'no streaming body', requestId);
    }
    for await (const event of serverSentEvents(response.body)) {
      const data: unknown = JSON.parse(event.data);
      switch (event.event ?? 'message') {
        case 'session':
          this.deps.adopt((data as StreamSessionData).sessionId);
          break;
        case 'delta': {
          const fresh = this.joiner.push((data as StreamDeltaData).text);
          if (fresh) yield fresh;
          break;
        }
        case 'done':
          return data as Answer;
        case 'error':
          throw streamError(data as StreamErrorData, requestId);
        default:
          break;
      }
    }
    // The connection closed before `done`: as a network error, worth a retry with the same key.
    throw new TypeError('the answer stream ended before its done event');
  }
}
