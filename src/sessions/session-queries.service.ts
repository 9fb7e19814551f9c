import { Inject, Injectable } from '@nestjs/common';
import { ApiError, sessionNotFound } from '../common/api-error';
import { CLOCK, Clock } from '../common/clock';
import { ClientInfo, NewTurn, SessionRecord, Turn } from '../domain';
import { IdempotencyKeys, KeyedQuery } from './idempotency-keys.service';
import { isWellFormedSessionId } from './session-id';
import { SessionService } from './session.service';
import {
  IdempotencyClaim,
  RateLimitCharge,
  SESSION_REPOSITORY,
  SessionRepository,
} from './session.repository';

/** What a query brings to the store before the model call. */
export interface QueryOpening {
  sessionId?: string;
  client: ClientInfo;
  location?: { lat: number; lon: number; accuracy?: number };
  text: string;
  idempotencyKey?: string;
  /** How many of the newest turns the model gets as context. */
  contextTurns: number;
  /** The client's rate limit, when it is charged in the same store step (else the route's guard did). */
  rateLimit?: RateLimitCharge;
}

export interface OpenedQuery {
  record: SessionRecord;
  created: boolean;
  /** The context turns, oldest first (none when the key had its answer already). */
  turns: Turn[];
  /** With an Idempotency-Key: its claim to ask the model with, or its stored answer. */
  keyed: KeyedQuery | null;
}

/**
 * The query path's two store steps: `open` before the model call (the session touched or created, the
 * key claimed, the location stored, the context turns read: one store step for a live session) and
 * `complete` after it (the pair, with the key's answer). A repeat finding its key held by another
 * request waits and opens again.
 */
@Injectable()
export class SessionQueries {
  constructor(
    @Inject(SESSION_REPOSITORY) private readonly store: SessionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly sessions: SessionService,
    private readonly keys: IdempotencyKeys,
  ) {}

  /** Absent, malformed, unknown or expired id: a new session (API.md). */
  async open(opening: QueryOpening): Promise<OpenedQuery> {
    const claim =
      opening.idempotencyKey === undefined ? null : this.keys.newClaim(opening.idempotencyKey, opening.text);
    // The rate limit is charged by the first step, whatever it finds.
    let rateLimit = opening.rateLimit;
    if (isWellFormedSessionId(opening.sessionId)) {
      const opened = await this.openOn(opening.sessionId, opening, claim, false, rateLimit);
      if (opened) return opened;
      rateLimit = undefined;
    }
    const record = await this.sessions.create({}, opening.client);
    const opened = await this.openOn(record.id, opening, claim, true, rateLimit);
    if (!opened) throw sessionNotFound(); // ended (evicted) at once
    return opened;
  }

  /** Null when the session is gone. */
  private async openOn(
    id: string,
    opening: QueryOpening,
    claim: IdempotencyClaim | null,
    created: boolean,
    rateLimit: RateLimitCharge | undefined,
  ): Promise<OpenedQuery | null> {
    for (let attempt = 0; ; attempt++) {
      const now = this.clock.now();
      const result = await this.store
        .beginQuery(id, now, {
          client: this.sessions.clientSeen(opening.client),
          location: opening.location ?? null,
          contextTurns: created ? 0 : opening.contextTurns,
          claim: claim && { claim, until: this.keys.holdUntil(now) },
          rateLimit: attempt === 0 ? rateLimit : undefined,
        })
        .catch((error: unknown) => {
          if (claim) this.keys.failedClaim(id, claim, error);
          throw error;
        });
      if (result.status === 'gone') return null;
      if (result.status === 'rate_limited')
        throw new ApiError('RATE_LIMITED', 'Too many requests; slow down');
      this.sessions.touched(id, now, opening.client, result);
      if (opening.location) this.sessions.located(id, opening.location);
      if (!claim || !result.claim)
        return { record: result.record, created, turns: result.turns, keyed: null };
      const keyed = await this.keys.settle(id, claim, now, result.claim);
      if (!keyed) continue; // the key is held by another request: waited, open again
      const turns = keyed.status === 'answered' ? [] : result.turns;
      return { record: result.record, created, turns, keyed };
    }
  }

  /**
   * Stores the pair as client activity, with the claimed key's answer; returns the stored answer, which
   * is another request's when that one stored first under the key. Null when the session ended meanwhile.
   */
  complete(id: string, user: NewTurn, answer: NewTurn, claim: IdempotencyClaim | null): Promise<Turn | null> {
    return this.sessions.appendExchange(id, user, answer, claim ?? undefined);
  }
}
