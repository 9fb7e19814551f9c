import { compareOutboxIds } from './outbox-id';
import { IdempotencyEntry } from './memory-idempotency-keys';
import { NewTurn, OutboxMessage, SessionRecord, Turn } from './session.types';

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
