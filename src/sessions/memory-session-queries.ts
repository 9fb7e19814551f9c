import { getHeapStatistics } from 'node:v8';
import { claimKey } from './memory-idempotency-keys';
import { compareOutboxIds } from './outbox-id';
import { applyClientSeen, pendingOf, StoredSession, storedSession, viewOf } from './memory-stored-session';
import {
  ClientSeen,
  HistoryPage,
  MemoryUsage,
  MessagePage,
  QueryStart,
  QueryStartResult,
  RateLimitCharge,
  TouchResult,
} from './session.repository';
import { SessionRecord, SessionSnapshot, Turn } from '../domain';

/** Client activity on a live session, as the Redis TOUCH script applies it (the index is the caller's). */
export function touchStored(stored: StoredSession, now: number, client: ClientSeen | null): TouchResult {
  const ipChanged = applyClientSeen(stored.record, client);
  if (ipChanged === null) return { status: 'ip_mismatch' };
  stored.record.lastActivityAt = now;
  return { status: 'ok', record: viewOf(stored), ipChanged };
}

/**
 * The rest of BEGIN_QUERY after the touch: the key's claim; when the query will ask the model, the
 * location stored and the context turns read.
 */
export function startQuery(
  stored: StoredSession,
  ipChanged: boolean,
  now: number,
  start: QueryStart,
): QueryStartResult {
  const claim = start.claim && claimKey(stored.idempotencyKeys, start.claim.claim, now, start.claim.until);
  let turns: Turn[] = [];
  if (!claim || claim.status === 'claimed') {
    if (start.location) {
      stored.record.lastLat = start.location.lat;
      stored.record.lastLon = start.location.lon;
    }
    if (start.contextTurns > 0) turns = structuredClone(stored.turns.slice(-start.contextTurns));
  }
  return { status: 'ok', record: viewOf(stored), ipChanged, turns, claim };
}

/** A page of history: `limit` turns before seq `before` (null: the newest), oldest first. */
export function historyPage(turns: Turn[], limit: number, before: number | null): HistoryPage {
  const older = before === null ? turns : turns.filter((turn) => turn.seq < before);
  const page = older.slice(Math.max(0, older.length - limit));
  return { turns: structuredClone(page), hasOlder: older.length > page.length };
}

/** Outbox messages after `after` (null: after the acknowledged cursor), oldest first. */
export function messagePage(stored: StoredSession, after: string | null, limit: number): MessagePage {
  const from = after ?? stored.record.ackCursor;
  const messages = stored.outbox.filter((message) => compareOutboxIds(message.id, from) > 0).slice(0, limit);
  return { messages: structuredClone(messages), pending: pendingOf(stored), from };
}

/** A reset: history and outbox cleared, the next generation; `touchedAt` when it is client activity. */
export function clearStored(stored: StoredSession, touchedAt: number | null): void {
  stored.turns = [];
  stored.outbox = [];
  stored.record.turnCount = 0;
  stored.record.generation += 1;
  if (touchedAt !== null) stored.record.lastActivityAt = touchedAt;
}

/** The embedded store's "memory": this process's heap. */
export function heapUsage(): MemoryUsage {
  return { used: process.memoryUsage().heapUsed, limit: getHeapStatistics().heap_size_limit };
}

/** The rate limit's algorithm (that of the Redis script) over budgets in memory. */
export class MemoryRateBudgets {
  private readonly budgets = new Map<string, { hits: number; expiresAt: number; blockedUntil: number }>();

  /** Null while within the budget. */
  charge(charge: RateLimitCharge, now: number): { status: 'rate_limited'; retryAfterMs: number } | null {
    const id = `${charge.key}:${charge.name}`;
    let budget = this.budgets.get(id);
    if (!budget || (budget.expiresAt <= now && budget.blockedUntil <= now)) {
      budget = { hits: 0, expiresAt: now + charge.ttlMs, blockedUntil: 0 };
      this.budgets.set(id, budget);
    }
    budget.hits += 1;
    if (budget.blockedUntil <= now && budget.hits > charge.limit) budget.blockedUntil = now + charge.blockMs;
    return budget.blockedUntil > now
      ? { status: 'rate_limited', retryAfterMs: budget.blockedUntil - now }
      : null;
  }
}

/** An archived session brought back live: a fresh activity time, nothing acknowledged, not ended. */
export function restoredSession(snapshot: SessionSnapshot, now: number, maxTurns: number): StoredSession {
  const record: SessionRecord = { ...structuredClone(snapshot.record), lastActivityAt: now, ackCursor: '0' };
  record.endReason = null;
  return storedSession(record, structuredClone(snapshot.turns).slice(-maxTurns));
}
