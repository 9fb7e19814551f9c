import { RedisStore } from '../store';
import { CLAIM_KEY, RELEASE_KEY } from './redis-idempotency.scripts';
import { APPEND_TURNS } from './redis-session.scripts';
import { answerFromEntry } from './session-record.codec';
import { ClaimResult, IdempotencyClaim, SessionStoreSettings } from './session.repository';
import { NewTurn } from '../domain';

/** APPEND_TURNS' reply: {1, seqs} stored, {2, entry} the key's answer (nothing stored), null when gone. */
export type AppendReply = [1, number[]] | [2, string] | null;

/**
 * A session's idempotency keys in Redis: a hash `{prefix}s:{ID}:k` under the session's hash tag, whose
 * answers are written by the script that appends the pair (`append`). `keys` are the session's KEYS, as
 * every session script gets them.
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
    return reply[0] === 0 ? { status: 'gone' } : claimResult(reply);
  }

  async release(keys: string[], claim: IdempotencyClaim): Promise<void> {
    await this.store.script(RELEASE_KEY, keys, [claim.key, claim.token]);
  }

  /**
   * Appends turns (with a claim: the pair, and the key's answer in the same step): an acknowledged write.
   * `keys` may carry the activity index as KEYS[6] (refreshed when `touch`).
   */
  append(
    keys: string[],
    id: string,
    turns: NewTurn[],
    now: number,
    touch: boolean,
    claim: IdempotencyClaim | null,
  ): Promise<AppendReply> {
    return this.store.scriptConfirmed<AppendReply>(APPEND_TURNS, keys, [
      now,
      this.settings.idleTtlMs,
      this.settings.keyTtlMs,
      this.settings.historyMaxTurns,
      touch ? 1 : 0,
      JSON.stringify(turns),
      claim?.key ?? '',
      claim?.fingerprint ?? '',
      id,
    ]);
  }
}

/** claim_key's reply (redis-idempotency.scripts.ts) as the port's ClaimResult. */
export function claimResult([status, value]: [number?, string?]): ClaimResult {
  switch (status) {
    case 1:
      return { status: 'claimed' };
    case 2:
      return { status: 'answered', answer: answerFromEntry(value ?? '{}') };
    case 3:
      return { status: 'held', until: Number(value) };
    case 4:
      return { status: 'conflict' };
    case undefined:
    default:
      return { status: 'gone' };
  }
}
