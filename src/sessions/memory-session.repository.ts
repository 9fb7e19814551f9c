import {
  AppendOnceResult,
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
import { isLive } from './session-record.codec';
import { compareOutboxIds, OutboxIdSequence } from './outbox-id';
import { MemorySessionIndex } from './memory-session-index';
import {
  clearStored,
  heapUsage,
  historyPage,
  MemoryRateBudgets,
  messagePage,
  restoredSession,
  startQuery,
  touchStored,
} from './memory-session-queries';
import { answerOf, claimKey, recordAnswer, releaseKey } from './memory-idempotency-keys';
import {
  appendTurn,
  bytesOf,
  pushToOutbox,
  StoredSession,
  storedSession,
  viewOf,
} from './memory-stored-session';
import {
  EndReason,
  NewOutboxMessage,
  NewTurn,
  OutboxMessage,
  SessionRecord,
  SessionSnapshot,
  Turn,
} from '../domain';

/**
 * The embedded, in-process adapter: one instance only, state lost at exit. It keeps the same rules as
 * the Redis adapter (the shared contract suite runs against both). JavaScript runs each method body up
 * to its first await without interruption, which gives the atomicity the Redis adapter gets from Lua.
 */
export class MemorySessionRepository implements SessionRepository {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly index = new MemorySessionIndex();
  private readonly outboxIds = new OutboxIdSequence();
  private readonly rateBudgets = new MemoryRateBudgets();

  constructor(private readonly settings: SessionStoreSettings) {}

  private live(id: string, now: number): StoredSession | null {
    const stored = this.sessions.get(id);
    return stored && isLive(stored.record, now, this.settings.idleTtlMs) ? stored : null;
  }

  create(session: NewSession, now: number, maxSessions: number) {
    if (this.sessions.has(session.id)) return Promise.reject(new Error('Session id collision'));
    const record: SessionRecord = {
      ...session,
      createdAt: now,
      lastActivityAt: now,
      flags: [],
      turnCount: 0,
      lastSeq: 0,
      generation: 0,
      ackCursor: '0',
      pendingMessages: 0,
      lastLat: null,
      lastLon: null,
      endReason: null,
    };
    this.sessions.set(session.id, storedSession(record));
    const evicted = this.index.admit(session.id, now, maxSessions);
    this.index.recordTrigger(session.id, CREATED_TRIGGER, now);
    return Promise.resolve({ record: structuredClone(record), evicted });
  }

  find(id: string, now: number): Promise<SessionRecord | null> {
    const stored = this.live(id, now);
    return Promise.resolve(stored ? viewOf(stored) : null);
  }

  touch(id: string, now: number, client: ClientSeen | null): Promise<TouchResult> {
    const stored = this.live(id, now);
    const touched: TouchResult = stored ? touchStored(stored, now, client) : { status: 'gone' };
    if (touched.status === 'ok') this.index.refresh(id, now);
    return Promise.resolve(touched);
  }

  beginQuery(id: string, now: number, start: QueryStart): Promise<QueryStartResult> {
    const limited = start.rateLimit && this.rateBudgets.charge(start.rateLimit, now);
    if (limited) return Promise.resolve(limited);
    const stored = this.live(id, now);
    const touched: TouchResult = stored ? touchStored(stored, now, start.client) : { status: 'gone' };
    if (!stored || touched.status !== 'ok') return Promise.resolve(touched as QueryStartResult);
    this.index.refresh(id, now);
    return Promise.resolve(startQuery(stored, touched.ipChanged, now, start));
  }

  reportLocation(id: string, now: number, report: LocationReport): Promise<LocationReportResult> {
    const stored = this.live(id, now);
    if (!stored) return Promise.resolve({ status: 'gone' });
    const touched = touchStored(stored, now, report.client);
    if (touched.status !== 'ok') return Promise.resolve(touched);
    this.index.refresh(id, now);
    stored.record.lastLat = report.lat;
    stored.record.lastLon = report.lon;
    const recorded: string[] = [];
    for (const trigger of report.triggers) {
      if (stored.markers.has(trigger)) continue;
      this.index.recordTrigger(id, trigger, now);
      stored.markers.add(trigger);
      recorded.push(trigger);
    }
    return Promise.resolve({ status: 'ok', ipChanged: touched.ipChanged, recorded });
  }

  async completeQuery(id: string, turns: NewTurn[], now: number, claim: IdempotencyClaim | null) {
    if (claim) return this.appendTurnsOnce(id, turns, now, claim);
    const saved = await this.appendTurns(id, turns, now, true);
    return saved && { status: 'stored' as const, turns: saved };
  }

  private append(stored: StoredSession, turns: NewTurn[], now: number, touch: boolean): Turn[] {
    const saved = turns.map((turn) => appendTurn(stored, turn, this.settings.historyMaxTurns));
    if (touch) {
      stored.record.lastActivityAt = now;
      this.index.refresh(stored.record.id, now);
    }
    return saved;
  }

  appendTurns(id: string, turns: NewTurn[], now: number, touch: boolean): Promise<Turn[] | null> {
    const stored = this.live(id, now);
    return Promise.resolve(stored ? this.append(stored, turns, now, touch) : null);
  }

  appendTurnsOnce(
    id: string,
    turns: NewTurn[],
    now: number,
    claim: IdempotencyClaim,
  ): Promise<AppendOnceResult | null> {
    const stored = this.live(id, now);
    if (!stored) return Promise.resolve(null);
    const answer = answerOf(stored.idempotencyKeys, claim.key);
    if (answer) return Promise.resolve({ status: 'answered', answer });
    const saved = this.append(stored, turns, now, true);
    recordAnswer(stored.idempotencyKeys, claim, saved[saved.length - 1]);
    return Promise.resolve({ status: 'stored', turns: saved });
  }

  claimIdempotencyKey(id: string, claim: IdempotencyClaim, now: number, until: number): Promise<ClaimResult> {
    const stored = this.live(id, now);
    if (!stored) return Promise.resolve({ status: 'gone' });
    return Promise.resolve(claimKey(stored.idempotencyKeys, claim, now, until));
  }

  releaseIdempotencyKey(id: string, claim: IdempotencyClaim): Promise<void> {
    const stored = this.sessions.get(id);
    if (stored) releaseKey(stored.idempotencyKeys, claim);
    return Promise.resolve();
  }

  history(id: string, limit: number, before: number | null): Promise<HistoryPage> {
    return Promise.resolve(historyPage(this.sessions.get(id)?.turns ?? [], limit, before));
  }

  markEnded(id: string, reason: EndReason, now: number, mode: EndMode): Promise<EndResult> {
    const record = this.sessions.get(id)?.record;
    if (!record) return Promise.resolve({ status: 'not_ended' });
    if (record.endReason) return Promise.resolve({ status: 'ended', reason: record.endReason });
    const expired = record.lastActivityAt + this.settings.idleTtlMs < now;
    if ((mode === 'live' && expired) || (mode === 'expired' && !expired)) {
      return Promise.resolve({ status: 'not_ended' });
    }
    record.endReason = reason;
    this.index.markEnding(id, now);
    return Promise.resolve({ status: 'ended', reason });
  }

  snapshot(id: string): Promise<SessionSnapshot | null> {
    const stored = this.sessions.get(id);
    return Promise.resolve(stored ? structuredClone({ record: stored.record, turns: stored.turns }) : null);
  }

  purge(id: string): Promise<boolean> {
    const deleted = this.sessions.delete(id);
    this.index.remove(id);
    return Promise.resolve(deleted);
  }

  clearConversation(id: string, expectedLastSeq: number, now: number, touch: boolean) {
    const stored = this.live(id, now);
    if (!stored) return Promise.resolve(null);
    if (stored.record.lastSeq !== expectedLastSeq) return Promise.resolve('changed' as const);
    clearStored(stored, touch ? now : null);
    if (touch) this.index.refresh(id, now);
    return Promise.resolve(viewOf(stored));
  }

  restore(snapshot: SessionSnapshot, now: number, maxSessions: number): Promise<string[] | null> {
    const id = snapshot.record.id;
    if (this.sessions.has(id)) return Promise.resolve(null);
    this.sessions.set(id, restoredSession(snapshot, now, this.settings.historyMaxTurns));
    return Promise.resolve(this.index.admit(id, now, maxSessions));
  }

  listByActivity(limit: number, cursor: string | null) {
    return Promise.resolve(this.index.listByActivity(limit, cursor));
  }

  sweepCandidates(cutoff: number, endingCutoff: number, limit: number): Promise<string[]> {
    return Promise.resolve(this.index.sweepCandidates(cutoff, endingCutoff, limit));
  }

  leastRecentlyActive(limit: number): Promise<string[]> {
    return Promise.resolve(this.index.leastRecentlyActive(limit));
  }

  activeBetween(from: number, to: number, limit: number): Promise<string[]> {
    return Promise.resolve(this.index.activeBetween(from, to, limit));
  }

  count(): Promise<number> {
    return Promise.resolve(this.index.count());
  }

  recordTrigger(id: string, trigger: string, now: number): Promise<void> {
    return Promise.resolve(this.index.recordTrigger(id, trigger, now));
  }

  pendingTriggers(before: number, limit: number): Promise<PendingTrigger[]> {
    return Promise.resolve(this.index.pendingTriggers(before, limit));
  }

  clearTrigger(id: string, trigger: string): Promise<void> {
    return Promise.resolve(this.index.clearTrigger(id, trigger));
  }

  pushMessage(
    id: string,
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<OutboxMessage | null> {
    const stored = this.live(id, now);
    const saved: OutboxMessage = { ...message, id: this.outboxIds.next(now) };
    return Promise.resolve(
      stored && pushToOutbox(stored, saved, deliveryKey, this.settings) ? { ...saved } : null,
    );
  }

  async pushMessages(
    ids: string[],
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<Array<PushedMessage | null>> {
    const sent: Array<PushedMessage | null> = [];
    for (const id of ids) {
      const after = this.sessions.get(id)?.outbox.at(-1)?.id ?? '0';
      const pushed = await this.pushMessage(id, message, now, deliveryKey);
      sent.push(pushed && { ...pushed, after });
    }
    return sent;
  }

  readMessages(id: string, after: string | null, limit: number): Promise<MessagePage> {
    const stored = this.sessions.get(id);
    return Promise.resolve(stored ? messagePage(stored, after, limit) : { messages: [], pending: 0 });
  }

  acknowledge(id: string, cursor: string): Promise<void> {
    const record = this.sessions.get(id)?.record;
    if (record && compareOutboxIds(cursor, record.ackCursor) > 0) record.ackCursor = cursor;
    return Promise.resolve();
  }

  markOnce(id: string, marker: string, now: number): Promise<boolean> {
    const stored = this.live(id, now);
    if (!stored || stored.markers.has(marker)) return Promise.resolve(false);
    stored.markers.add(marker);
    return Promise.resolve(true);
  }

  isMarked(id: string, marker: string): Promise<boolean> {
    return Promise.resolve(this.sessions.get(id)?.markers.has(marker) ?? false);
  }

  storeBytes(id: string): Promise<number> {
    const stored = this.sessions.get(id);
    return Promise.resolve(stored ? bytesOf(stored) : 0);
  }

  memoryUsage(): Promise<MemoryUsage> {
    return Promise.resolve(heapUsage());
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  /** One process, nothing to replicate. */
  confirmWrites(): Promise<void> {
    return Promise.resolve();
  }
}
