import createClient, { type Client } from 'openapi-fetch';
import type {
  CreateSessionBody,
  History,
  Location,
  LocationReport,
  PoiList,
  QueryBody,
  QueryResult,
  SessionView,
} from './api-types';
import { AnswerStream } from './answer-stream';
import { apiErrorFrom } from './errors';
import { MessageSubscription, type SubscribeOptions } from './message-subscription';
import { DEFAULT_RETRY, newIdempotencyKey, type RetryNotice, type RetryPolicy, withRetry } from './retry';
import type { paths } from './schema';

export interface TourClientOptions {
  /** Where the service is, e.g. `https://guide.example.com` (in a browser: `location.origin`). */
  baseUrl: string;
  /** A session id kept from earlier (e.g. in the app's storage); null or absent: none yet. */
  sessionId?: string | null;
  /** Locale of the sessions this client creates (BCP-47, default the service's `zh-CN`). */
  locale?: string;
  /** Told whenever the adopted session id changes: a new session, or null after `closeSession`. */
  onSessionChange?: (sessionId: string | null, previous: string | null) => void;
  /** Told before each retry of a call. */
  onRetry?: (notice: RetryNotice) => void;
  retry?: Partial<RetryPolicy>;
  /** A fetch of your own (tests, instrumentation); default `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
}

export interface QueryOptions {
  image?: string;
  location?: Location;
  /** Default: a fresh key per call, the same for every retry of that call. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** What every openapi-fetch call resolves to. */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The tour app's client of the service: a thin layer over openapi-fetch and the generated types. Its
 * only state is the session id it adopts: from `startSession`, and from any answer that names a
 * different one (the service starts a new session when the old one is gone), each time telling
 * `onSessionChange`. Every query carries an `Idempotency-Key` and is retried with backoff on network
 * errors and 503s; reads are retried the same way; errors are TourApiError with the envelope's code.
 */
export class TourClient {
  private readonly api: Client<paths>;
  private readonly policy: RetryPolicy;
  private current: string | null;

  constructor(private readonly options: TourClientOptions) {
    this.api = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.current = options.sessionId ?? null;
  }

  get sessionId(): string | null {
    return this.current;
  }

  /** Starts a new session (with the client's locale unless `body` names one) and adopts it. */
  async startSession(body: CreateSessionBody = {}, signal?: AbortSignal): Promise<SessionView> {
    const locale = body.locale ?? this.options.locale;
    // Not retried after a lost answer: the retry would start a second session.
    const view = await this.retried(
      signal,
      () => this.api.POST('/v1/sessions', { body: { ...body, ...(locale ? { locale } : {}) }, signal }),
      false,
    );
    this.adopt(view.sessionId);
    return view;
  }

  /** The adopted session id, starting a session first when there is none. */
  async ensureSession(signal?: AbortSignal): Promise<string> {
    return this.current ?? (await this.startSession({}, signal)).sessionId;
  }

  async session(signal?: AbortSignal): Promise<SessionView> {
    const id = await this.ensureSession(signal);
    return this.retried(signal, () =>
      this.api.GET('/v1/sessions/{id}', { params: { path: { id } }, signal }),
    );
  }

  /**
   * Asks the guide and waits for the whole answer. A session is started first when there is none, so
   * that a retry names the session its key is kept with.
   */
  async ask(text: string, options: QueryOptions = {}): Promise<QueryResult> {
    await this.ensureSession(options.signal);
    const key = options.idempotencyKey ?? newIdempotencyKey();
    const result = await this.retried(options.signal, () =>
      this.api.POST('/v1/query', {
        body: this.queryBody(text, options),
        headers: { 'Idempotency-Key': key },
        signal: options.signal,
      }),
    );
    this.adopt(result.sessionId);
    return result;
  }

  /** Asks the guide and streams the answer: `for await (const delta of client.askStream(text))`. */
  askStream(text: string, options: QueryOptions = {}): AnswerStream {
    const key = options.idempotencyKey ?? newIdempotencyKey();
    return new AnswerStream(
      {
        policy: this.policy,
        onRetry: this.options.onRetry,
        adopt: (id) => this.adopt(id),
        open: async (signal) => {
          await this.ensureSession(signal);
          return this.api.POST('/v1/query/stream', {
            body: this.queryBody(text, options),
            headers: { 'Idempotency-Key': key, Accept: 'text/event-stream' },
            parseAs: 'stream',
            signal,
          });
        },
      },
      options.signal,
    );
  }

  /** Reports where the visitor is; entering a POI's radius queues its introduction. */
  async reportLocation(location: Location, signal?: AbortSignal): Promise<LocationReport> {
    const id = await this.ensureSession(signal);
    return this.retried(signal, () =>
      this.api.POST('/v1/sessions/{id}/location', { params: { path: { id } }, body: location, signal }),
    );
  }

  async history(query: { limit?: number; before?: number } = {}, signal?: AbortSignal): Promise<History> {
    const id = await this.ensureSession(signal);
    return this.retried(signal, () =>
      this.api.GET('/v1/sessions/{id}/history', { params: { path: { id }, query }, signal }),
    );
  }

  /** The POIs within `radius` metres (1..50000, default 1000) of a point, nearest first. */
  async pois(query: { lat: number; lon: number; radius?: number }, signal?: AbortSignal): Promise<PoiList> {
    return this.retried(signal, () => this.api.GET('/v1/pois', { params: { query }, signal }));
  }

  /**
   * The session's proactive messages (greeting, POI introductions, tips, broadcasts) as they arrive:
   * `for await (const message of client.messages())`. Follows the session adopted when it is called.
   */
  messages(options: SubscribeOptions = {}): MessageSubscription {
    const id = this.current;
    if (!id) throw new Error('messages(): no session yet (call startSession or ensureSession first)');
    return new MessageSubscription(
      {
        policy: this.policy,
        onRetry: this.options.onRetry,
        events: (sessionId, lastEventId, signal) =>
          this.api.GET('/v1/sessions/{id}/events', {
            params: { path: { id: sessionId } },
            headers: {
              Accept: 'text/event-stream',
              ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
            },
            parseAs: 'stream',
            signal,
          }),
        poll: (sessionId, after, wait, signal) =>
          this.api.GET('/v1/sessions/{id}/messages', {
            params: { path: { id: sessionId }, query: { wait, ...(after ? { after } : {}) } },
            signal,
          }),
      },
      id,
      options,
    );
  }

  /** Clears the conversation; the session (and its id) stays. */
  async resetSession(signal?: AbortSignal): Promise<SessionView> {
    const id = await this.ensureSession(signal);
    return this.retried(signal, () =>
      this.api.POST('/v1/sessions/{id}/reset', { params: { path: { id } }, signal }),
    );
  }

  /** Ends the session (the app is closing) and forgets its id. */
  async closeSession(signal?: AbortSignal): Promise<void> {
    const id = this.current;
    if (!id) return;
    await this.retried(signal, () =>
      this.api.DELETE('/v1/sessions/{id}', { params: { path: { id } }, signal }),
    );
    this.adopt(null);
  }

  private queryBody(text: string, options: QueryOptions): QueryBody {
    return {
      text,
      ...(this.current ? { sessionId: this.current } : {}),
      ...(options.image ? { image: options.image } : {}),
      ...(options.location ? { location: options.location } : {}),
    };
  }

  private adopt(sessionId: string | null): void {
    if (sessionId === this.current) return;
    const previous = this.current;
    this.current = sessionId;
    this.options.onSessionChange?.(sessionId, previous);
  }

  /** One call, retried on network errors and 503s; the body of a 2xx, else a TourApiError. */
  private retried<T>(
    signal: AbortSignal | undefined,
    call: () => Promise<Outcome<T>>,
    idempotent = true,
  ): Promise<T> {
    return withRetry(this.policy, () => this.once(call()), {
      signal,
      idempotent,
      onRetry: this.options.onRetry,
    });
  }

  private async once<T>(pending: Promise<Outcome<T>>): Promise<T> {
    const { data, error, response } = await pending;
    if (!response.ok) throw apiErrorFrom(response, error);
    return data as T;
  }
}
