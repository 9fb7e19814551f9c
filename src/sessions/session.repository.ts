import {
  EndReason,
  NewOutboxMessage,
  NewTurn,
  OutboxMessage,
  SessionRecord,
  SessionSnapshot,
  Turn,
} from '../domain';
import { IpPolicy } from '../config/app-config';

/** What a new session starts with. */
export interface NewSession {
  id: string;
  locale: string;
  metadata: Record<string, string>;
  clientIp: string | null;
  userAgent: string | null;
}

export interface ClientSeen {
  ip: string | null;
  userAgent: string | null;
  policy: IpPolicy;
}

export type TouchResult =
  | { status: 'ok'; record: SessionRecord; ipChanged: boolean }
  | { status: 'gone' }
  | { status: 'ip_mismatch' };

/** `live`: only a live session; `expired`: only one past its idle TTL (the sweep); `any`: either. */
export type EndMode = 'live' | 'expired' | 'any';
export type EndResult = { status: 'ended'; reason: EndReason } | { status: 'not_ended' };

export interface HistoryPage {
  turns: Turn[];
  hasOlder: boolean;
}

export interface MessagePage {
  messages: OutboxMessage[];
  pending: number;
  /**
   * The cursor the page was read after: `after`, or the acknowledged cursor ('0': none) when it was
   * null. Absent when the session is gone.
   */
  from?: string;
}

/** A message as pushed to one of many sessions: `after` is the id before it in that session's outbox ('0': none). */
export interface PushedMessage extends OutboxMessage {
  after: string;
}

/**
 * A query's `Idempotency-Key` as the store keeps it with the session: the key, a fingerprint of the
 * query's text (the same key with another text is a conflict), and the token of the request that holds
 * the key while it waits for the model.
 */
export interface IdempotencyClaim {
  key: string;
  fingerprint: string;
  token: string;
}

export type ClaimResult =
  | { status: 'claimed' }
  /** The key already has its answer (the assistant turn stored with it). */
  | { status: 'answered'; answer: Turn }
  /** Another request holds the key until `until` (epoch ms) while it waits for the model. */
  | { status: 'held'; until: number }
  /** The key was used with another text. */
  | { status: 'conflict' }
  | { status: 'gone' };

/** Something a response promised for a session (a greeting, a POI introduction), until it is cleared. */
export interface PendingTrigger {
  sessionId: string;
  trigger: string;
  /** When it was recorded (epoch ms). */
  at: number;
}

/** The trigger every create records, in the same atomic step as the session's admission. */
export const CREATED_TRIGGER = 'created';

/** `answered`: the key had its answer already, and nothing was appended. */
export type AppendOnceResult = { status: 'stored'; turns: Turn[] } | { status: 'answered'; answer: Turn };

/** Creating, reading and touching a session; ending, reset and restore. */
export interface SessionLifecycleStore {
  /** Creates a session; beyond `maxSessions` the least recently active ones are evicted from the
   *  activity index atomically and returned (the caller archives and purges them). The CREATED_TRIGGER
   *  is recorded pending for the new session in the same atomic step as its admission. */
  create(
    session: NewSession,
    now: number,
    maxSessions: number,
  ): Promise<{ record: SessionRecord; evicted: string[] }>;
  find(id: string, now: number): Promise<SessionRecord | null>;
  /** Client activity: refreshes lastActivityAt, the index score and the TTL of every key. */
  touch(id: string, now: number, client: ClientSeen | null): Promise<TouchResult>;
  /** Marks a session as ending: from then on it is gone for every call and no write succeeds. */
  markEnded(id: string, reason: EndReason, now: number, mode: EndMode): Promise<EndResult>;
  /** The full content, ended or not, while its keys exist. */
  snapshot(id: string): Promise<SessionSnapshot | null>;
  /** Deletes every key of a session and its index entries. Idempotent: true only for the call that
   *  actually removed the session, so exactly one caller reports its end. */
  purge(id: string): Promise<boolean>;
  /** Reset: clears history and outbox and starts the next generation, but only if nothing was appended
   *  since `expectedLastSeq` was read ('changed' then: read again). Null when gone. */
  clearConversation(
    id: string,
    expectedLastSeq: number,
    now: number,
    /** Client resets are activity; admin resets are not. */
    touch: boolean,
  ): Promise<SessionRecord | null | 'changed'>;
  /** Brings an archived session back live with a fresh expiry, under the same cap as create: returns
   *  the evicted ids (the caller ends them), or null when the id still has keys. */
  restore(snapshot: SessionSnapshot, now: number, maxSessions: number): Promise<string[] | null>;
}

/** The conversation: turns appended, pages of history read. */
export interface SessionHistoryStore {
  /** Appends turns atomically with consecutive seqs; `touch` also counts it as client activity.
   *  Null when the session is gone. */
  appendTurns(id: string, turns: NewTurn[], now: number, touch: boolean): Promise<Turn[] | null>;
  history(id: string, limit: number, before: number | null): Promise<HistoryPage>;
}

/** A query's Idempotency-Key: claimed, released, or answered together with its turns. */
export interface SessionIdempotencyStore {
  /**
   * Claims an idempotency key for the request holding `claim.token` until `until`: `claimed` when the
   * key is new to the session, was released, or its holder's time ran out; otherwise what the key holds.
   * Keys are kept with the session (resets included) for as long as it lives.
   */
  claimIdempotencyKey(id: string, claim: IdempotencyClaim, now: number, until: number): Promise<ClaimResult>;
  /** Lets a claimed key go (the model failed): only its holder can, and only while it has no answer. */
  releaseIdempotencyKey(id: string, claim: IdempotencyClaim): Promise<void>;
  /**
   * `appendTurns` (as client activity) that records the last turn as the answer of `claim.key` in the
   * same atomic step; when the key has an answer already, appends nothing and returns that answer, so
   * at most one pair is ever stored per key. Null when the session is gone.
   */
  appendTurnsOnce(
    id: string,
    turns: NewTurn[],
    now: number,
    claim: IdempotencyClaim,
  ): Promise<AppendOnceResult | null>;
}

/** What a query asks of the store before it calls the model. */
export interface QueryStart {
  client: ClientSeen | null;
  /** Stored as the session's last location (only when the query will ask the model). */
  location: { lat: number; lon: number } | null;
  /** How many of the newest turns to read as the model's context. */
  contextTurns: number;
  /** The query's Idempotency-Key, claimed until `until` (epoch ms). */
  claim: { claim: IdempotencyClaim; until: number } | null;
  /** The client's rate-limit budget, charged first (whether the session is live or not), when given. */
  rateLimit?: RateLimitCharge;
}

/** One query charged to a rate-limit budget: over `limit` in `ttlMs`, blocked for `blockMs`. */
export interface RateLimitCharge {
  key: string;
  name: string;
  ttlMs: number;
  limit: number;
  blockMs: number;
}

export type QueryStartResult =
  | {
      status: 'ok';
      record: SessionRecord;
      ipChanged: boolean;
      /** The context turns, oldest first; empty unless the query will ask the model. */
      turns: Turn[];
      /** What claiming the key gave (never `gone`: the session was live); null without a key. */
      claim: ClaimResult | null;
    }
  | { status: 'gone' }
  | { status: 'ip_mismatch' }
  /** Over the rate limit: nothing else was done. */
  | { status: 'rate_limited'; retryAfterMs: number };

/**
 * The query path's two store steps, each one atomic step (one round trip on one Redis node): before the
 * model call and after it.
 */
export interface SessionQueryStore {
  /**
   * `touch`, then the key's claim (when given); when the query will ask the model (no key, or the key
   * claimed), the location is stored and the context turns read, in the same step.
   */
  beginQuery(id: string, now: number, start: QueryStart): Promise<QueryStartResult>;
  /** The pair appended as client activity: `appendTurnsOnce` with a claim, else `appendTurns`. */
  completeQuery(
    id: string,
    turns: NewTurn[],
    now: number,
    claim: IdempotencyClaim | null,
  ): Promise<AppendOnceResult | null>;
}

/** What a location report asks of the store. */
export interface LocationReport {
  client: ClientSeen | null;
  lat: number;
  lon: number;
  /** The triggers of the places the location is inside (POIs); each is also its own once-marker. */
  triggers: string[];
}

export type LocationReportResult =
  | {
      status: 'ok';
      ipChanged: boolean;
      /** The triggers this report recorded pending (for its caller to relay), in the order given. */
      recorded: string[];
    }
  | { status: 'gone' }
  | { status: 'ip_mismatch' };

/** A location report (client activity): the session touched, its location stored, the places entered. */
export interface SessionLocationStore {
  /**
   * `touch` (nothing else when it fails), the location stored, then each of `triggers` not yet marked
   * (markOnce) recorded pending (recordTrigger) and marked, the trigger durable no later than its mark:
   * one atomic step on one store node, where concurrent reports record each trigger once, for one of
   * them. On a Redis Cluster the pending triggers live in another slot than the session: its markers are
   * read, the triggers recorded, then marked, in three steps; reports racing there may each record
   * (and return) a trigger, which stays one pending entry, and a crash between trigger and mark lets the
   * next report record it again.
   */
  reportLocation(id: string, now: number, report: LocationReport): Promise<LocationReportResult>;
}

/** The activity index: listing, the sweep, eviction and the idle-tip scan. */
export interface SessionIndexStore {
  /** Live ids, most recently active first. */
  listByActivity(limit: number, cursor: string | null): Promise<{ ids: string[]; nextCursor: string | null }>;
  /** Ids whose last activity is older than `cutoff`, and ids stuck ending since before `endingCutoff`. */
  sweepCandidates(cutoff: number, endingCutoff: number, limit: number): Promise<string[]>;
  /** Ids of live sessions least recently active first (memory-pressure eviction). */
  leastRecentlyActive(limit: number): Promise<string[]>;
  /** Live ids whose last activity lies in [from, to) (idle-tip scan). */
  activeBetween(from: number, to: number, limit: number): Promise<string[]>;
  count(): Promise<number>;
}

/** Proactive messages, once-markers and the last location. */
export interface SessionOutboxStore {
  /**
   * Appends a message to the outbox and history of a live session; null when the session is gone, or
   * when `deliveryKey` was delivered before (ever, resets included): a job that runs again after its
   * instance died delivers its message once.
   */
  pushMessage(
    id: string,
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<OutboxMessage | null>;
  /**
   * The same message to many sessions at once, as `pushMessage` to each (one store round trip for all
   * where the store allows): what each got, in the order of `ids`.
   */
  pushMessages(
    ids: string[],
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<Array<PushedMessage | null>>;
  /** Messages after `after` (null: after the acknowledged cursor), oldest first. */
  readMessages(id: string, after: string | null, limit: number): Promise<MessagePage>;
  /** Acknowledges everything up to `cursor` (never moves the cursor back). */
  acknowledge(id: string, cursor: string): Promise<void>;
  /** True the first time `marker` is set for a live session, ever (a POI announced, a tip period, a
   *  broadcast): concurrent callers on any instance, exactly one gets true. Survives resets. */
  markOnce(id: string, marker: string, now: number): Promise<boolean>;
  /** Whether `marker` is set for the session (a read: false for an unknown session). */
  isMarked(id: string, marker: string): Promise<boolean>;
}

/**
 * Durable triggers: what a response promised (CREATED_TRIGGER, a POI entered) stays pending in the
 * store until whoever acts on it (queues its job) clears it, so the promise survives the instance
 * that made it. Recording one already pending keeps its first time.
 */
export interface SessionTriggerStore {
  recordTrigger(id: string, trigger: string, now: number): Promise<void>;
  /** Triggers recorded before `before`, oldest first. */
  pendingTriggers(before: number, limit: number): Promise<PendingTrigger[]>;
  clearTrigger(id: string, trigger: string): Promise<void>;
}

/** What the store holds and costs, whether it answers, and replica confirmation. */
export interface SessionStoreHealth {
  /** Approximate bytes the session occupies in the store. */
  storeBytes(id: string): Promise<number>;
  /** Bytes the store uses, and its limit (null when it has none); on a Cluster, its fullest master. */
  memoryUsage(): Promise<MemoryUsage>;
  ping(): Promise<void>;
  /**
   * Waits until the writes made so far for this session are confirmed by REDIS_MIN_REPLICAS_ACK
   * replicas; StoreUnavailableError when not in time. The writes a response acknowledges (create,
   * appendTurns, appendTurnsOnce, clearConversation, acknowledge) confirm themselves, in the same round
   * trip; this is for the others before such a response (a delete's markEnded, an idempotent replay).
   */
  confirmWrites(id: string): Promise<void>;
}

/**
 * The session store port. Every write checks, in the same atomic step, that the session still exists
 * and is neither ended nor past its idle TTL, so no write path can bring a session back. With
 * REDIS_MIN_REPLICAS_ACK > 0 the writes that responses acknowledge are confirmed by replicas before
 * they resolve (see confirmWrites). Times are epoch milliseconds.
 */
export interface SessionRepository
  extends
    SessionLifecycleStore,
    SessionHistoryStore,
    SessionIdempotencyStore,
    SessionQueryStore,
    SessionLocationStore,
    SessionIndexStore,
    SessionOutboxStore,
    SessionTriggerStore,
    SessionStoreHealth {}

export const SESSION_REPOSITORY = Symbol('SESSION_REPOSITORY');

export interface MemoryUsage {
  used: number;
  limit: number | null;
}

/** How long data lives, shared by both adapters. */
export interface SessionStoreSettings {
  idleTtlMs: number;
  /** Key TTL = idle TTL + grace, so the sweep can still archive an expired session. */
  keyTtlMs: number;
  historyMaxTurns: number;
  outboxMaxLength: number;
}
