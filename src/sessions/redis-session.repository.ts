import { RedisStore, ScriptCall } from '../store';
import * as Lua from './redis-session.scripts';
import { RedisSessionIndex } from './redis-session-index';
import { RedisIdempotencyKeys } from './redis-idempotency-keys';
import { bytesOfKeys, fullestMemoryUsage } from './redis-memory-usage';
import { RedisSessionOutbox } from './redis-session-outbox';
import { RedisSessionQueries } from './redis-session-queries';
import { RedisSessionLocations } from './redis-session-locations';
import {
  ClaimResult,
  ClientSeen,
  CREATED_TRIGGER,
  EndMode,
  EndResult,
  HistoryPage,
  IdempotencyClaim,
  LocationReport,
  LocationReportResult,
  MemoryUsage,
  MessagePage,
  PushedMessage,
  NewSession,
  PendingTrigger,
  QueryStart,
  QueryStartResult,
  SessionRepository,
  SessionStoreSettings,
  TouchResult,
} from './session.repository';
import {
  encodeTurn,
  fieldsFromRecord,
  isLive,
  pairsToObject,
  parseTurn,
  recordFromFields,
} from './session-record.codec';
import {
  EndReason,
  NewOutboxMessage,
  NewTurn,
  OutboxMessage,
  SessionRecord,
  SessionSnapshot,
  Turn,
} from '../domain';

/** A session's keys: its hash, history, outbox, markers and idempotency keys (the hash first). */
export function sessionKeys(store: RedisStore, id: string): string[] {
  const base = store.key(`s:{${id}}`);
  return [base, `${base}:h`, `${base}:m`, `${base}:once`, `${base}:k`];
}

/** CREATE as RedisSessionRepository.create sends it (the bench's seeder pipelines it): 1, or 0 if taken. */
export function createCall(
  store: RedisStore,
  session: NewSession,
  now: number,
  keyTtlMs: number,
): ScriptCall {
  const [hash] = sessionKeys(store, session.id);
  return {
    lua: Lua.CREATE,
    keys: [hash],
    args: [
      now,
      keyTtlMs,
      session.locale,
      JSON.stringify(session.metadata),
      session.clientIp ?? '',
      session.userAgent ?? '',
    ],
  };
}

/**
 * Sessions in Redis: `{prefix}s:{ID}` (hash), `:h` (history list), `:m` (outbox stream), `:once` (one-time
 * markers and delivery keys), `:k` (idempotency keys), all under the session's hash tag; the indexes
 * share another (RedisSessionIndex).
 */
export class RedisSessionRepository implements SessionRepository {
  private readonly index: RedisSessionIndex;
  private readonly idempotency: RedisIdempotencyKeys;
  private readonly outbox: RedisSessionOutbox;
  private readonly queries: RedisSessionQueries;
  private readonly locations: RedisSessionLocations;

  constructor(
    private readonly store: RedisStore,
    private readonly settings: SessionStoreSettings,
  ) {
    this.index = new RedisSessionIndex(store);
    this.idempotency = new RedisIdempotencyKeys(store, settings);
    this.outbox = new RedisSessionOutbox(store, settings);
    this.queries = new RedisSessionQueries(store, settings, this.index, this.idempotency);
    this.locations = new RedisSessionLocations(store, settings, this.index, this.queries);
  }

  private keys(id: string): string[] {
    return sessionKeys(this.store, id);
  }

  async create(session: NewSession, now: number, maxSessions: number) {
    const { lua, keys, args } = createCall(this.store, session, now, this.settings.keyTtlMs);
    const created = await this.store.scriptConfirmed<number>(lua, keys, args);
    if (created !== 1) throw new Error('Session id collision');
    // Read before indexing: once indexed, a concurrent create may already evict it (cap ties).
    const record = await this.find(session.id, now);
    if (!record) throw new Error('Session vanished right after creation');
    const evicted = await this.index.admit(session.id, now, maxSessions, CREATED_TRIGGER, true);
    return { record, evicted };
  }

  async find(id: string, now: number): Promise<SessionRecord | null> {
    const reply = await this.store.script<[string[], number] | []>(Lua.READ, this.keys(id), []);
    if (reply.length === 0) return null;
    const record = recordFromFields(id, pairsToObject(reply[0]), reply[1]);
    return isLive(record, now, this.settings.idleTtlMs) ? record : null;
  }

  async touch(id: string, now: number, client: ClientSeen | null): Promise<TouchResult> {
    const keys = this.queries.withIndex(this.keys(id));
    const reply = await this.store.script<[number, number?, string[]?, number?]>(
      Lua.TOUCH,
      keys,
      this.queries.touchArgs(id, now, client),
    );
    if (reply[0] === -1) return { status: 'ip_mismatch' };
    if (reply[0] !== 1) return { status: 'gone' };
    await this.queries.refreshIndexApart(id, now);
    return {
      status: 'ok',
      record: recordFromFields(id, pairsToObject(reply[2] ?? []), reply[3] ?? 0),
      ipChanged: reply[1] === 1,
    };
  }

  async appendTurns(id: string, turns: NewTurn[], now: number, touch: boolean): Promise<Turn[] | null> {
    if (touch) {
      const result = await this.queries.complete(this.keys(id), id, turns, now, null);
      return result?.status === 'stored' ? result.turns : null;
    }
    const reply = await this.idempotency.append(this.keys(id), id, turns, now, false, null);
    return reply && reply[0] === 1 ? turns.map((turn, i) => ({ ...turn, seq: reply[1][i] })) : null;
  }

  appendTurnsOnce(id: string, turns: NewTurn[], now: number, claim: IdempotencyClaim) {
    return this.queries.complete(this.keys(id), id, turns, now, claim);
  }

  beginQuery(id: string, now: number, start: QueryStart): Promise<QueryStartResult> {
    return this.queries.begin(this.keys(id), id, now, start);
  }

  completeQuery(id: string, turns: NewTurn[], now: number, claim: IdempotencyClaim | null) {
    return this.queries.complete(this.keys(id), id, turns, now, claim);
  }

  reportLocation(id: string, now: number, report: LocationReport): Promise<LocationReportResult> {
    return this.locations.report(this.keys(id), id, now, report);
  }

  claimIdempotencyKey(id: string, claim: IdempotencyClaim, now: number, until: number): Promise<ClaimResult> {
    return this.idempotency.claim(this.keys(id), claim, now, until);
  }

  releaseIdempotencyKey(id: string, claim: IdempotencyClaim): Promise<void> {
    return this.idempotency.release(this.keys(id), claim);
  }

  async history(id: string, limit: number, before: number | null): Promise<HistoryPage> {
    const [entries, older] = await this.store.script<[string[], number]>(Lua.HISTORY_PAGE, this.keys(id), [
      limit,
      before === null ? '' : before,
    ]);
    return { turns: entries.map(parseTurn), hasOlder: older === 1 };
  }

  async markEnded(id: string, reason: EndReason, now: number, mode: EndMode): Promise<EndResult> {
    const [hash] = this.keys(id);
    const inForce = await this.store.script<EndReason | null>(
      Lua.MARK_ENDED,
      [hash],
      [reason, now, this.settings.idleTtlMs, mode],
    );
    if (!inForce) return { status: 'not_ended' };
    // Out of the activity index at once; kept in the ending set until purged, so a crash before the
    // archive is written leaves it for the sweep instead of losing it.
    await this.index.markEnding(id, now);
    return { status: 'ended', reason: inForce };
  }

  async snapshot(id: string): Promise<SessionSnapshot | null> {
    const reply = await this.store.script<[string[], string[]] | []>(Lua.SNAPSHOT, this.keys(id), []);
    if (reply.length === 0) return null;
    return { record: recordFromFields(id, pairsToObject(reply[0]), 0), turns: reply[1].map(parseTurn) };
  }

  async purge(id: string): Promise<boolean> {
    const [hash, ...others] = this.keys(id);
    // The hash alone first: DEL answers 1 to exactly one of several racing purges.
    const deleted = await this.store.run((client) => client.del(hash));
    await this.store.run((client) => client.del(...others));
    await this.index.remove(id);
    return deleted === 1;
  }

  async clearConversation(id: string, expectedLastSeq: number, now: number, touch: boolean) {
    const reply = await this.store.scriptConfirmed<[number, string[]?, number?]>(
      Lua.CLEAR_CONVERSATION,
      this.keys(id),
      [expectedLastSeq, now, this.settings.idleTtlMs, this.settings.keyTtlMs, touch ? 1 : 0],
    );
    if (reply[0] === -1) return 'changed' as const;
    if (reply[0] !== 1) return null;
    if (touch) await this.index.refresh(id, now);
    return recordFromFields(id, pairsToObject(reply[1] ?? []), 0);
  }

  async restore(snapshot: SessionSnapshot, now: number, maxSessions: number): Promise<string[] | null> {
    const record: SessionRecord = {
      ...snapshot.record,
      lastActivityAt: now,
      ackCursor: '0',
      endReason: null,
    };
    const fields = Object.entries(fieldsFromRecord(record)).flat();
    const restored = await this.store.script<number>(Lua.RESTORE, this.keys(record.id), [
      now,
      this.settings.keyTtlMs,
      ...fields,
      '--',
      ...snapshot.turns.slice(-this.settings.historyMaxTurns).map(encodeTurn),
    ]);
    if (restored !== 1) return null;
    return this.index.admit(record.id, now, maxSessions);
  }

  listByActivity(limit: number, cursor: string | null) {
    return this.index.listByActivity(limit, cursor);
  }

  sweepCandidates(cutoff: number, endingCutoff: number, limit: number): Promise<string[]> {
    return this.index.sweepCandidates(cutoff, endingCutoff, limit);
  }

  leastRecentlyActive(limit: number): Promise<string[]> {
    return this.index.leastRecentlyActive(limit);
  }

  activeBetween(from: number, to: number, limit: number): Promise<string[]> {
    return this.index.activeBetween(from, to, limit);
  }

  count(): Promise<number> {
    return this.index.count();
  }

  recordTrigger(id: string, trigger: string, now: number): Promise<void> {
    return this.index.recordTrigger(id, trigger, now);
  }

  pendingTriggers(before: number, limit: number): Promise<PendingTrigger[]> {
    return this.index.pendingTriggers(before, limit);
  }

  clearTrigger(id: string, trigger: string): Promise<void> {
    return this.index.clearTrigger(id, trigger);
  }

  pushMessage(
    id: string,
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<OutboxMessage | null> {
    return this.outbox.push(this.keys(id), message, now, deliveryKey);
  }

  pushMessages(
    ids: string[],
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<Array<PushedMessage | null>> {
    return this.outbox.pushEach(
      ids.map((id) => this.keys(id)),
      message,
      now,
      deliveryKey,
    );
  }

  readMessages(id: string, after: string | null, limit: number): Promise<MessagePage> {
    return this.outbox.read(this.keys(id), after, limit);
  }

  acknowledge(id: string, cursor: string): Promise<void> {
    return this.outbox.acknowledge(this.keys(id), cursor);
  }

  markOnce(id: string, marker: string, now: number): Promise<boolean> {
    return this.outbox.markOnce(this.keys(id), marker, now);
  }

  isMarked(id: string, marker: string): Promise<boolean> {
    return this.outbox.isMarked(this.keys(id), marker);
  }

  storeBytes(id: string): Promise<number> {
    return bytesOfKeys(this.store, this.keys(id));
  }

  memoryUsage(): Promise<MemoryUsage> {
    return fullestMemoryUsage(this.store);
  }

  async ping(): Promise<void> {
    await this.store.ping();
  }

  confirmWrites(id: string): Promise<void> {
    return this.store.confirmReplicated(this.keys(id)[0]);
  }
}
