import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ApiError, sessionNotFound } from '../common/api-error';
import { CLOCK, Clock } from '../common/clock';
import { toStorableText } from '../common/well-formed-text';
import { ContextTurn, GUIDE_MODEL, GuideModel, GuideRequest } from '../ai';
import {
  ClientInfo,
  ModelUnavailableError,
  QueryAskedEvent,
  QueryEvents,
  SessionRecord,
  Turn,
} from '../domain';
import { GeoPoint, PoiService, PoiWithDistance } from '../poi';
import { IdempotencyClaim, IdempotencyKeys, OpenedQuery, RateLimitCharge, SessionQueries } from '../sessions';
import { QueryDto } from './query.dto';

/** Turns read as the model's context; the adapter trims them further to its budget. */
const CONTEXT_TURNS = 40;
const NEARBY_RADIUS_M = 1000;
const NEARBY_LIMIT = 5;

export interface QueryAnswer {
  sessionId: string;
  sessionCreated: boolean;
  answer: { seq: number; text: string; createdAt: string };
  pendingMessages: number;
}

/** What the pipeline tells its caller, in order: `session`, then `delta`…, then `done`. */
export type QueryEvent =
  | { kind: 'session'; sessionId: string; sessionCreated: boolean }
  | { kind: 'delta'; text: string }
  | { kind: 'done'; answer: QueryAnswer };

export interface QueryInput {
  query: QueryDto;
  client: ClientInfo;
  idempotencyKey?: string;
  /** The rate limit, when it is charged in the first store step (QueryThrottlerGuard). */
  rateLimit?: RateLimitCharge;
  /** The client went away: stop asking the model and store nothing. */
  signal?: AbortSignal;
}

/** What the steps know about one query so far. */
interface QueryContext extends QueryInput {
  record: SessionRecord;
  created: boolean;
  claim?: IdempotencyClaim;
  askedAt: number;
  location?: GeoPoint;
  history: ContextTurn[];
  nearbyPois: PoiWithDistance[];
}

/**
 * The one query path both query routes run, as named steps over a query context: resolve or adopt
 * the session, claim the Idempotency-Key, record the visitor's location, read the context turns and
 * the POIs nearby, call the model, append the question and answer together, answer. (The rate limit
 * is the route's guard.) Once the session is resolved, `query.asked` is emitted. A claimed key not
 * stored under is released, whatever ended the query. Two drivers run the steps: `answer` straight
 * through for POST /v1/query (no event between steps to hand anyone), `stream` as the events of
 * POST /v1/query/stream.
 */
@Injectable()
export class QueryPipeline {
  constructor(
    private readonly queries: SessionQueries,
    private readonly keys: IdempotencyKeys,
    private readonly pois: PoiService,
    @Inject(GUIDE_MODEL) private readonly model: GuideModel,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: EventEmitter2,
  ) {}

  /** POST /v1/query: the steps straight through, the answer returned whole. */
  async answer(input: QueryInput): Promise<QueryAnswer> {
    const opened = await this.open(input);
    const { record, created, keyed } = opened;
    if (keyed?.status === 'answered') return answerOf(record, created, keyed.answer); // a repeat
    const context = await this.prepare(input, opened, keyed?.claim);
    try {
      const text = await this.askModel(context);
      return answerOf(record, created, await this.appendExchange(context, text));
    } catch (error) {
      this.releaseClaim(context);
      throw error;
    }
  }

  /**
   * POST /v1/query/stream: `session`, the model's deltas as it writes them, then `done`. Errors before
   * `session` (resolving the session, claiming the key) are thrown by the first `next()`.
   */
  async *stream(input: QueryInput): AsyncGenerator<QueryEvent> {
    const opened = await this.open(input);
    const { record, created, keyed } = opened;
    yield { kind: 'session', sessionId: record.id, sessionCreated: created };
    if (keyed?.status === 'answered') {
      // A repeat: the stored answer as one delta, then done (API.md).
      yield { kind: 'delta', text: keyed.answer.text };
      yield { kind: 'done', answer: answerOf(record, created, keyed.answer) };
      return;
    }
    const context = await this.prepare(input, opened, keyed?.claim);
    let stored = false;
    try {
      let text = '';
      for await (const delta of this.streamModel(context)) {
        if (input.signal?.aborted) return; // the client left: nothing is stored
        text += delta;
        yield { kind: 'delta', text: delta };
      }
      if (input.signal?.aborted) return;
      const answer = await this.appendExchange(context, text);
      stored = true;
      yield { kind: 'done', answer: answerOf(record, created, answer) };
    } finally {
      if (!stored) this.releaseClaim(context);
    }
  }

  /** The first store step (session, key, location, context turns, rate limit); then `query.asked`. */
  private async open(input: QueryInput): Promise<OpenedQuery> {
    const { query } = input;
    const opened = await this.queries.open({
      sessionId: query.sessionId,
      client: input.client,
      location: query.location,
      text: query.text,
      idempotencyKey: input.idempotencyKey,
      contextTurns: CONTEXT_TURNS,
      rateLimit: input.rateLimit,
    });
    this.events.emit(QueryEvents.asked, { sessionId: opened.record.id } satisfies QueryAskedEvent);
    return opened;
  }

  /** What the model is asked with: the context turns, the location and the POIs near it. */
  private async prepare(
    input: QueryInput,
    opened: OpenedQuery,
    claim: IdempotencyClaim | undefined,
  ): Promise<QueryContext> {
    const context: QueryContext = {
      query: input.query,
      client: input.client,
      idempotencyKey: input.idempotencyKey,
      rateLimit: input.rateLimit,
      signal: input.signal,
      record: opened.record,
      created: opened.created,
      claim,
      askedAt: this.clock.now(),
      location: locationOf(opened),
      history: opened.turns.map((turn) => ({ role: turn.role, text: turn.text })),
      nearbyPois: [],
    };
    try {
      await this.searchPois(context);
    } catch (error) {
      this.releaseClaim(context);
      throw error;
    }
    return context;
  }

  /** A claimed key not stored under is released, whatever ended the query. */
  private releaseClaim({ record, claim }: QueryContext): void {
    if (claim) this.keys.release(record.id, claim);
  }

  /** From the in-memory POI set (PoiService): no store round trip. */
  private async searchPois(context: QueryContext): Promise<void> {
    if (context.location)
      context.nearbyPois = await this.pois.near(context.location, NEARBY_RADIUS_M, NEARBY_LIMIT);
  }

  private modelRequest(context: QueryContext): GuideRequest {
    return {
      locale: context.record.locale,
      history: context.history,
      text: context.query.text,
      image: context.query.image,
      location: context.location,
      nearbyPois: context.nearbyPois,
      signal: context.signal,
    };
  }

  /** The model's whole answer, a failure as the API names it. */
  private async askModel(context: QueryContext): Promise<string> {
    try {
      return await this.model.answer(this.modelRequest(context));
    } catch (error) {
      throw modelFailure(error, context.record.id);
    }
  }

  /** The model's answer as it writes it, a failure as the API names it. */
  private async *streamModel(context: QueryContext): AsyncGenerator<string> {
    try {
      yield* this.model.answerStream(this.modelRequest(context));
    } catch (error) {
      throw modelFailure(error, context.record.id);
    }
  }

  /**
   * Stores the user turn and the answer together (with the claimed key, if any); returns the stored
   * answer, which is another request's when that one stored first under the same key. A session
   * deleted meanwhile stays deleted.
   */
  private async appendExchange(context: QueryContext, answerText: string): Promise<Turn> {
    const { query, record, askedAt, claim } = context;
    const user = {
      role: 'user' as const,
      text: query.text,
      createdAt: askedAt,
      ...(query.image ? { hasImage: true } : {}),
    };
    const saved = await this.queries.complete(
      record.id,
      user,
      // The model's text is not checked input: made storable here (see well-formed-text.ts).
      { role: 'assistant', text: toStorableText(answerText), createdAt: this.clock.now() },
      claim ?? null,
    );
    if (!saved) throw sessionNotFound();
    return saved;
  }
}

/** The query's location (stored as the session's last one); without one, the last one known. */
function locationOf({ record }: OpenedQuery): GeoPoint | undefined {
  return record.lastLat !== null && record.lastLon !== null
    ? { lat: record.lastLat, lon: record.lastLon }
    : undefined;
}

function answerOf(record: SessionRecord, created: boolean, answer: Turn): QueryAnswer {
  return {
    sessionId: record.id,
    sessionCreated: created,
    answer: { seq: answer.seq, text: answer.text, createdAt: new Date(answer.createdAt).toISOString() },
    pendingMessages: record.pendingMessages,
  };
}

function modelFailure(error: unknown, sessionId: string): Error {
  if (error instanceof ModelUnavailableError) {
    return new ApiError('AI_UNAVAILABLE', 'The guide model is unavailable; try again shortly', [
      { sessionId },
    ]);
  }
  return error instanceof Error ? error : new Error(String(error));
}
