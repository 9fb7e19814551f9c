import { compareOutboxIds } from './outbox-id';
import { IdempotencyEntry } from './memory-idempotency-keys';
import { ClientSeen, SessionStoreSettings } from './session.repository';
import { NewTurn, OutboxMessage, SessionRecord, Turn } from '../domain';

/** Everything the embedded adapter keeps of one session. */
export interface StoredSession {
  record: SessionRecord;
  turns: Turn[];
  outbox: OutboxMessage[];
  markers: Set<string>;
  idempotencyKeys: Map<string, IdempotencyEntry>;
}

export function storedSession(record: SessionRecord, turns: Turn[] = []): StoredSession {
  return { record, turns, outbox: [], markers: new Set(), idempotencyKeys: new Map() };
}

/** Appends one turn with the next seq, keeping the newest `maxTurns`. */
export function appendTurn(stored: StoredSession, turn: NewTurn, maxTurns: number): Turn {
  const record = stored.record;
  record.lastSeq += 1;
  record.turnCount += 1;
  const saved: Turn = { ...turn, seq: record.lastSeq };
  stored.turns.push(saved);
  if (stored.turns.length > maxTurns) stored.turns.splice(0, stored.turns.length - maxTurns);
  return structuredClone(saved);
}

export function pendingOf(stored: StoredSession): number {
  return stored.outbox.filter((message) => compareOutboxIds(message.id, stored.record.ackCursor) > 0).length;
}

/** The record as a client sees it (a copy, with its pending count). */
export function viewOf(stored: StoredSession): SessionRecord {
  return structuredClone({ ...stored.record, pendingMessages: pendingOf(stored) });
}

/**
 * The IP policy of a touch, as the Redis TOUCH script applies it: true when the address changed (and is
 * flagged), false when not, null when the policy rejects the new address (nothing is changed then).
 */
export function applyClientSeen(record: SessionRecord, client: ClientSeen | null): boolean | null {
  let ipChanged = false;
  if (client?.ip) {
    if (record.clientIp && record.clientIp !== client.ip && client.policy !== 'off') {
      if (client.policy === 'reject') return null;
      ipChanged = true;
      if (!record.flags.includes('ip_changed')) record.flags.push('ip_changed');
    }
    record.clientIp = client.ip;
  }
  if (client?.userAgent) record.userAgent = client.userAgent;
  return ipChanged;
}

export function bytesOf({ record, turns, outbox }: StoredSession): number {
  return Buffer.byteLength(JSON.stringify({ record, turns, outbox }));
}

/**
 * Puts a message in the outbox and history; false when `deliveryKey` was delivered before (the
 * delivery keys share the once-set with the one-time markers, as in Redis).
 */
export function pushToOutbox(
  stored: StoredSession,
  message: OutboxMessage,
  deliveryKey: string | undefined,
  settings: SessionStoreSettings,
): boolean {
  if (deliveryKey !== undefined) {
    const marker = `sent:${deliveryKey}`;
    if (stored.markers.has(marker)) return false;
    stored.markers.add(marker);
  }
  stored.outbox.push(message);
  if (stored.outbox.length > settings.outboxMaxLength) stored.outbox.shift();
  const turn: NewTurn = { role: 'proactive', text: message.text, createdAt: message.createdAt };
  appendTurn(stored, turn, settings.historyMaxTurns);
  return true;
}
