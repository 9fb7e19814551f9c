import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { ApiError, sessionNotFound, StoreUnavailableError } from '../common/api-error';
import { CLOCK, Clock, TIMERS, Timers } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { redactSessionId } from './session-id';
import { ClaimResult, IdempotencyClaim, SESSION_REPOSITORY, SessionRepository } from './session.repository';
import { Turn } from '../domain';

/** How often a request whose key another request holds looks at the store again. */
const HELD_POLL_MS = 100;
/** A holder's time beyond the model's deadline (AI_TIMEOUT_MS): its store writes, clock skew. */
const HOLD_MARGIN_MS = 5000;
/** How often a release the store refused (an outage, a failover) is tried again. */
const RELEASE_RETRY_MS = 250;

/** What a query with an `Idempotency-Key` does: return the key's answer, or ask the model itself. */
export type KeyedQuery =
  { status: 'answered'; answer: Turn } | { status: 'claimed'; claim: IdempotencyClaim };

export function textFingerprint(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * API.md's `Idempotency-Key`: kept with the session, one stored pair per key. A request claims the key
 * before it calls the model and stores its answer with the pair (SessionQueries.complete). A
 * repeat that finds the key held by a request still waiting for the model, on whichever instance, polls
 * the key in the store every HELD_POLL_MS: it returns the answer once the holder stored it, or claims
 * the key itself when the holder gave it up (the model failed) or ran out of time (its instance died).
 */
@Injectable()
export class IdempotencyKeys implements OnModuleDestroy {
  private readonly logger = new Logger('IdempotencyKeys');
  private closing = false;

  constructor(
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TIMERS) private readonly timers: Timers,
  ) {}

  onModuleDestroy(): void {
    this.closing = true;
  }

  /** How long a claim holds: the model's deadline and a margin. */
  private get holdMs(): number {
    return this.config.aiTimeoutMs + HOLD_MARGIN_MS;
  }

  /** A claim of `key` for a query with this text, by a request of its own (a fresh token). */
  newClaim(key: string, text: string): IdempotencyClaim {
    return { key, fingerprint: textFingerprint(text), token: randomUUID() };
  }

  /** Until when a claim made now holds. */
  holdUntil(now: number): number {
    return now + this.holdMs;
  }

  /** 409 CONFLICT when the key was used with another text; 404 when the session ended meanwhile. */
  async claim(sessionId: string, key: string, text: string): Promise<KeyedQuery> {
    const claim = this.newClaim(key, text);
    for (;;) {
      const now = this.clock.now();
      const result = await this.sessions
        .claimIdempotencyKey(sessionId, claim, now, this.holdUntil(now))
        .catch((error: unknown) => this.failedClaim(sessionId, claim, error));
      const keyed = await this.settle(sessionId, claim, now, result);
      if (keyed) return keyed;
    }
  }

  /**
   * What a claim's result means for the query: its key to ask the model with, the stored answer
   * (confirmed by replicas before it is given again), 409 / 404; null after waiting a while for another
   * request holding the key (claim again then).
   */
  async settle(
    sessionId: string,
    claim: IdempotencyClaim,
    now: number,
    result: ClaimResult,
  ): Promise<KeyedQuery | null> {
    switch (result.status) {
      case 'claimed':
        return { status: 'claimed', claim };
      case 'answered':
        await this.sessions.confirmWrites(sessionId);
        return { status: 'answered', answer: result.answer };
      case 'conflict':
        throw new ApiError('CONFLICT', 'This Idempotency-Key was used with another text');
      case 'gone':
        throw sessionNotFound();
      case 'held':
        await this.timers.sleep(Math.max(1, Math.min(HELD_POLL_MS, result.until - now)));
        return null;
    }
  }

  /**
   * A store step that claimed the key failed: the claim may have been applied before the connection
   * failed, so it is let go (or a retry would wait for a holder that is no more until the hold runs out).
   */
  failedClaim(sessionId: string, claim: IdempotencyClaim, error: unknown): never {
    if (error instanceof StoreUnavailableError) this.release(sessionId, claim);
    throw error;
  }

  /**
   * Gives a claimed key up (the model failed, the client left, the store failed), so that a retry asks
   * the model again. In the background, not holding up the response: until the store has taken it (and
   * replicas confirmed it, when asked for: a release lost in a failover would leave the key held), or
   * until the claim would have run out anyway.
   */
  release(sessionId: string, claim: IdempotencyClaim): void {
    const giveUpAt = this.clock.now() + this.holdMs;
    void (async () => {
      while (!(await this.tryRelease(sessionId, claim)) && !this.closing && this.clock.now() < giveUpAt) {
        await this.timers.sleep(RELEASE_RETRY_MS, { unref: true });
      }
    })();
  }

  /** Applied at once; then confirmed by replicas, when asked for, or tried again (it is idempotent). */
  private async tryRelease(sessionId: string, claim: IdempotencyClaim): Promise<boolean> {
    try {
      await this.sessions.releaseIdempotencyKey(sessionId, claim);
      await this.sessions.confirmWrites(sessionId);
      return true;
    } catch (error) {
      if (error instanceof StoreUnavailableError) return false;
      this.logger.error({
        msg: 'idempotency key not released',
        sessionId: redactSessionId(sessionId),
        err: error,
      });
      return true;
    }
  }
}
