import { RedisStore } from '../store/redis-store';
import { CLAIM_KEY, RELEASE_KEY } from './redis-idempotency.scripts';
import { answerFromEntry } from './session-record.codec';
import { ClaimResult, IdempotencyClaim, SessionStoreSettings } from './session.repository';

/**
 * A session's idempotency keys in Redis: a hash `{prefix}s:{ID}:k` under the session's hash tag, whose
 * answers are written by the script that appends the pair (RedisSessionRepository.appendTurnsOnce).
 * `keys` are the session's KEYS, as every session script gets them.
 */
export class RedisIdempotencyKeys {
  constructor(
    private readonly store: RedisStore,
    private readonly settings: SessionStoreSettings,
  ) {}

  async claim(keys: string[], claim: IdempotencyClaim, now: number, until: number): Promise<ClaimResult> {
    const reply = await this.store.script<[number, string?]>(CLAIM_KEY, keys, [
      now,
      this.settings.idleTtlMs,
      claim.key,
      claim.fingerprint,
      claim.token,
      until,
    ]);
    switch (reply[0]) {
      case 1:
        return { status: 'claimed' };
      case 2:
        return { status: 'answered', answer: answerFromEntry(reply[1] ?? '{}') };
      case 3:
        return { status: 'held', until: Number(reply[1]) };
      case 4:
        return { status: 'conflict' };
      default:
        return { status: 'gone' };
    }
  }

  async release(keys: string[], claim: IdempotencyClaim): Promise<void> {
    await this.store.script(RELEASE_KEY, keys, [claim.key, claim.token]);
  }
}
