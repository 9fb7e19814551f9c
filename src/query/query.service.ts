import { Inject, Injectable } from '@nestjs/common';
import { ApiError, sessionNotFound } from '../common/api-error';
import { CLOCK, Clock } from '../common/clock';
import { toStorableText } from '../common/well-formed-text';
import { GUIDE_MODEL, GuideModel, GuideRequest } from '../ai';
import { ModelUnavailableError, ClientInfo, SessionRecord, Turn } from '../domain';
import { PoiService, GeoPoint } from '../poi';
import {
  IdempotencyKeys,
  KeyedQuery,
  isWellFormedSessionId,
  IdempotencyClaim,
  SessionService,
} from '../sessions';
import { QueryDto } from './query.dto';

/** Turns read as the model's context; the adapter trims them further to its budget. */
const CONTEXT_TURNS = 40;
const NEARBY_RADIUS_M = 1000;
const NEARBY_LIMIT = 5;

export interface ResolvedSession {
  record: SessionRecord;
  created: boolean;
}

export interface QueryAnswer {
  sessionId: string;
  sessionCreated: boolean;
  answer: { seq: number; text: string; createdAt: string };
  pendingMessages: number;
}

/** The query path: resolve the session, ask the model with the conversation, store the pair. */
@Injectable()
export class QueryService {
  constructor(
    private readonly sessions: SessionService,
    private readonly pois: PoiService,
    private readonly keys: IdempotencyKeys,
    @Inject(GUIDE_MODEL) private readonly model: GuideModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Absent, malformed, unknown or expired id: a new session (API.md). */
  async resolveSession(sessionId: string | undefined, client: ClientInfo): Promise<ResolvedSession> {
    if (isWellFormedSessionId(sessionId)) {
      try {
        return { record: await this.sessions.touch(sessionId, client), created: false };
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'SESSION_NOT_FOUND')) throw error;
      }
    }
    return { record: await this.sessions.create({}, client), created: true };
  }

  /** The model request for a query, with recent turns and the POIs near the visitor. */
  async buildRequest(record: SessionRecord, query: QueryDto, signal?: AbortSignal): Promise<GuideRequest> {
    if (query.location) await this.sessions.updateLocation(record.id, query.location.lat, query.location.lon);
    const location: GeoPoint | undefined =
      query.location ??
      (record.lastLat !== null && record.lastLon !== null
        ? { lat: record.lastLat, lon: record.lastLon }
        : undefined);
    const [history, nearbyPois] = await Promise.all([
      record.turnCount > 0 ? this.sessions.recentTurns(record.id, CONTEXT_TURNS) : Promise.resolve([]),
      location ? this.pois.near(location, NEARBY_RADIUS_M, NEARBY_LIMIT) : Promise.resolve([]),
    ]);
    return {
      locale: record.locale,
      history: history.map((turn) => ({ role: turn.role, text: turn.text })),
      text: query.text,
      image: query.image,
      location,
      nearbyPois,
      signal,
    };
  }

  async ask(query: QueryDto, client: ClientInfo, idempotencyKey?: string): Promise<QueryAnswer> {
    const { record, created } = await this.resolveSession(query.sessionId, client);
    const keyed = await this.claimKey(record.id, query, idempotencyKey);
    if (keyed?.status === 'answered') return this.answerOf(record, created, keyed.answer);
    const claim = keyed?.claim;
    const askedAt = this.clock.now();
    let answer: Turn;
    try {
      const request = await this.buildRequest(record, query);
      let text: string;
      try {
        text = await this.model.answer(request);
      } catch (error) {
        throw this.modelFailure(error, record.id);
      }
      answer = await this.store(record.id, query, askedAt, text, claim);
    } catch (error) {
      if (claim) this.keys.release(record.id, claim);
      throw error;
    }
    return this.answerOf(record, created, answer);
  }

  /**
   * With an Idempotency-Key: the key's stored answer, or the claim under which this query asks the
   * model (waiting while another request holds the key). A new session keeps the key too: a client
   * that got its id (the stream's `session` event) can retry on it.
   */
  async claimKey(sessionId: string, query: QueryDto, key: string | undefined): Promise<KeyedQuery | null> {
    return key === undefined ? null : this.keys.claim(sessionId, key, query.text);
  }

  releaseKey(sessionId: string, claim: IdempotencyClaim | undefined): void {
    if (claim) this.keys.release(sessionId, claim);
  }

  private answerOf(record: SessionRecord, created: boolean, answer: Turn): QueryAnswer {
    return {
      sessionId: record.id,
      sessionCreated: created,
      answer: { seq: answer.seq, text: answer.text, createdAt: new Date(answer.createdAt).toISOString() },
      pendingMessages: record.pendingMessages,
    };
  }

  /**
   * Stores the user turn and the answer together (with the claimed key, if any); returns the stored
   * answer, which is another request's when that one stored first under the same key. A session
   * deleted meanwhile stays deleted.
   */
  async store(
    sessionId: string,
    query: QueryDto,
    askedAt: number,
    answerText: string,
    claim?: IdempotencyClaim,
  ): Promise<Turn> {
    const user = {
      role: 'user' as const,
      text: query.text,
      createdAt: askedAt,
      ...(query.image ? { hasImage: true } : {}),
    };
    const saved = await this.sessions.appendExchange(
      sessionId,
      user,
      // The model's text is not checked input: made storable here (see well-formed-text.ts).
      { role: 'assistant', text: toStorableText(answerText), createdAt: this.clock.now() },
      claim,
    );
    if (!saved) throw sessionNotFound();
    return saved;
  }

  modelFailure(error: unknown, sessionId: string): Error {
    if (error instanceof ModelUnavailableError) {
      return new ApiError('AI_UNAVAILABLE', 'The guide model is unavailable; try again shortly', [
        { sessionId },
      ]);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}
