import { PendingTrigger } from './session.repository';
import { splitTriggerMember, triggerMember } from './session-record.codec';

/**
 * The embedded adapter's session indexes: live ids in activity order (least recent first: a touched id
 * is deleted and re-inserted, so a Map keeps the order) and the ids being archived.
 */
export class MemorySessionIndex {
  private readonly activity = new Map<string, number>();
  private readonly ending = new Map<string, number>();
  /** `id|trigger` → when it was recorded. */
  private readonly triggers = new Map<string, number>();

  recordTrigger(id: string, trigger: string, now: number): void {
    const member = triggerMember(id, trigger);
    if (!this.triggers.has(member)) this.triggers.set(member, now);
  }

  pendingTriggers(before: number, limit: number): PendingTrigger[] {
    return [...this.triggers]
      .filter(([, at]) => at < before)
      .sort(([, x], [, y]) => x - y)
      .slice(0, limit)
      .map(([member, at]) => {
        const [sessionId, trigger] = splitTriggerMember(member);
        return { sessionId, trigger, at };
      });
  }

  clearTrigger(id: string, trigger: string): void {
    this.triggers.delete(triggerMember(id, trigger));
  }

  /** Adds a session; beyond the cap the least recently active move to ending and are returned. */
  admit(newId: string, now: number, maxSessions: number): string[] {
    const evicted: string[] = [];
    for (const id of this.activity.keys()) {
      if (this.activity.size - evicted.length < maxSessions) break;
      evicted.push(id);
    }
    for (const id of evicted) {
      this.activity.delete(id);
      this.ending.set(id, now);
    }
    this.activity.set(newId, now);
    return evicted;
  }

  /** An id removed by an eviction or an end is never added back. */
  refresh(id: string, now: number): void {
    if (!this.activity.has(id)) return;
    this.activity.delete(id);
    this.activity.set(id, now);
  }

  markEnding(id: string, now: number): void {
    this.activity.delete(id);
    if (!this.ending.has(id)) this.ending.set(id, now);
  }

  remove(id: string): void {
    this.activity.delete(id);
    this.ending.delete(id);
  }

  listByActivity(limit: number, cursor: string | null) {
    const offset = cursor === null ? 0 : Number(cursor);
    const ids = [...this.activity.keys()].reverse().slice(offset, offset + limit + 1);
    const hasMore = ids.length > limit;
    return { ids: ids.slice(0, limit), nextCursor: hasMore ? String(offset + limit) : null };
  }

  sweepCandidates(cutoff: number, endingCutoff: number, limit: number): string[] {
    const ids = [...this.ending].filter(([, since]) => since < endingCutoff).map(([id]) => id);
    for (const [id, lastActivity] of this.activity) {
      if (lastActivity >= cutoff || ids.length >= 2 * limit) break;
      ids.push(id);
    }
    return [...new Set(ids)].slice(0, 2 * limit);
  }

  leastRecentlyActive(limit: number): string[] {
    return [...this.activity.keys()].slice(0, limit);
  }

  activeBetween(from: number, to: number, limit: number): string[] {
    const ids: string[] = [];
    for (const [id, lastActivity] of this.activity) {
      if (lastActivity >= to || ids.length >= limit) break;
      if (lastActivity >= from) ids.push(id);
    }
    return ids;
  }

  count(): number {
    return this.activity.size;
  }
}
