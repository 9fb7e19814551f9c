import { RATE_LIMIT, rateLimitKeys, RedisStore } from '../store';
import { BEGIN_QUERY } from './redis-query.scripts';
import { claimResult, RedisIdempotencyKeys } from './redis-idempotency-keys';
import { RedisSessionIndex } from './redis-session-index';
import { answerFromEntry, pairsToObject, recordFromFields, turnFromEntry } from './session-record.codec';
import {
  AppendOnceResult,
  ClientSeen,
  IdempotencyClaim,
  QueryStart,
  QueryStartResult,
  SessionStoreSettings,
} from './session.repository';
import { NewTurn, Turn } from '../domain';

type BeginReply = [0] | [-1] | [-2, number] | [1, number, string, number, string, [number?, string?]];

/**
 * The query path in Redis: BEGIN_QUERY before the model call, APPEND_TURNS after it, each one script
 * that also refreshes the activity index (its key passed as KEYS[6]) on one Redis node. On a Cluster
 * the index lives in another slot: it is refreshed by a command of its own after a script that succeeded.
 */
export class RedisSessionQueries {
  constructor(
    private readonly store: RedisStore,
    private readonly settings: SessionStoreSettings,
    private readonly index: RedisSessionIndex,
    private readonly idempotency: RedisIdempotencyKeys,
  ) {}

  /** The arguments TOUCH and BEGIN_QUERY start with: the time, the TTLs, the client seen, the id. */
  touchArgs(id: string, now: number, client: ClientSeen | null): Array<string | number> {
    return [
      now,
      this.settings.idleTtlMs,
      this.settings.keyTtlMs,
      client?.ip ?? '',
      client?.userAgent ?? '',
      client?.policy ?? 'off',
      id,
    ];
  }

  /** The session's KEYS, with the activity index when one script may write it. */
  withIndex(keys: string[]): string[] {
    return this.store.isCluster ? keys : [...keys, this.index.activityKey];
  }

  /** After a script that refreshed activity: the index too, when the script could not. */
  async refreshIndexApart(id: string, now: number): Promise<void> {
    if (this.store.isCluster) await this.index.refresh(id, now);
  }

  async begin(keys: string[], id: string, now: number, start: QueryStart): Promise<QueryStartResult> {
    const { client, location, claim, rateLimit } = start;
    const rateKeys =
      rateLimit && rateLimitKeys((part) => this.store.key(part), rateLimit.key, rateLimit.name);
    const charge = rateLimit ? [rateLimit.ttlMs, rateLimit.limit, rateLimit.blockMs] : [];
    if (rateKeys && this.store.isCluster) {
      // Another slot: charged by a script of its own first.
      const [, , blocked, msToUnblock] = await this.store.script<number[]>(RATE_LIMIT, rateKeys, charge);
      if (blocked === 1) return { status: 'rate_limited', retryAfterMs: msToUnblock };
    }
    const scriptKeys = this.withIndex(keys);
    if (rateKeys && !this.store.isCluster) scriptKeys.push(...rateKeys);
    const reply = await this.store.script<BeginReply>(BEGIN_QUERY, scriptKeys, [
      ...this.touchArgs(id, now, client),
      location?.lat ?? '',
      location?.lon ?? '',
      start.contextTurns,
      claim?.claim.key ?? '',
      claim?.claim.fingerprint ?? '',
      claim?.claim.token ?? '',
      claim?.until ?? '',
      ...(this.store.isCluster ? [] : charge),
    ]);
    if (reply[0] === -2) return { status: 'rate_limited', retryAfterMs: reply[1] };
    if (reply[0] === -1) return { status: 'ip_mismatch' };
    if (reply[0] !== 1) return { status: 'gone' };
    await this.refreshIndexApart(id, now);
    const [, changed, fields, pending, entries, claimed] = reply;
    return {
      status: 'ok',
      record: recordFromFields(id, pairsToObject(JSON.parse(fields) as string[]), pending),
      ipChanged: changed === 1,
      turns: (JSON.parse(entries) as unknown[]).map(turnFromEntry),
      claim: claim ? claimResult(claimed) : null,
    };
  }

  async complete(
    keys: string[],
    id: string,
    turns: NewTurn[],
    now: number,
    claim: IdempotencyClaim | null,
  ): Promise<AppendOnceResult | null> {
    const reply = await this.idempotency.append(this.withIndex(keys), id, turns, now, true, claim);
    if (!reply) return null;
    if (reply[0] === 2) return { status: 'answered', answer: answerFromEntry(reply[1]) };
    await this.refreshIndexApart(id, now);
    const seqs = reply[1];
    return { status: 'stored', turns: turns.map((turn, i): Turn => ({ ...turn, seq: seqs[i] })) };
  }
}
