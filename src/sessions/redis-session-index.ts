import { RedisStore, ScriptCall } from '../store';
import * as Lua from './redis-session.scripts';
import { PendingTrigger } from './session.repository';
import { splitTriggerMember, triggerMember } from './session-record.codec';

/**
 * The session indexes in Redis, under one hash tag of their own: `{prefix}{idx}:activity` (id → last
 * activity: listing, the sweep, eviction, idle tips), `{prefix}{idx}:ending` (ids being archived, for
 * crash recovery) and `{prefix}{idx}:triggers` (`id|trigger` → when it was recorded, until cleared).
 */
export class RedisSessionIndex {
  constructor(private readonly store: RedisStore) {}

  get activityKey(): string {
    return this.store.key('{idx}', 'activity');
  }

  get endingKey(): string {
    return this.store.key('{idx}', 'ending');
  }

  get triggersKey(): string {
    return this.store.key('{idx}', 'triggers');
  }

  /**
   * Adds a session to the activity index, with `trigger` pending for it in the same step; beyond the cap
   * the least recently active move to ending. A create's admission (with its trigger) is acknowledged.
   */
  admit(id: string, now: number, maxSessions: number, trigger = '', acknowledged = false): Promise<string[]> {
    const { lua, keys, args } = this.admitCall(id, now, maxSessions, trigger);
    return acknowledged
      ? this.store.scriptConfirmed<string[]>(lua, keys, args)
      : this.store.script<string[]>(lua, keys, args);
  }

  /** INDEX_ADD_WITH_CAP as `admit` sends it (the bench's seeder pipelines it): the ids it evicted. */
  admitCall(id: string, now: number, maxSessions: number, trigger = ''): ScriptCall {
    return {
      lua: Lua.INDEX_ADD_WITH_CAP,
      keys: [this.activityKey, this.endingKey, this.triggersKey],
      args: [id, now, maxSessions, trigger],
    };
  }

  async recordTrigger(id: string, trigger: string, now: number): Promise<void> {
    await this.store.run((client) => client.zadd(this.triggersKey, 'NX', now, triggerMember(id, trigger)));
  }

  async pendingTriggers(before: number, limit: number): Promise<PendingTrigger[]> {
    const flat = await this.store.run((client) =>
      client.zrangebyscore(this.triggersKey, '-inf', `(${before}`, 'WITHSCORES', 'LIMIT', 0, limit),
    );
    const triggers: PendingTrigger[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [sessionId, trigger] = splitTriggerMember(flat[i]);
      triggers.push({ sessionId, trigger, at: Number(flat[i + 1]) });
    }
    return triggers;
  }

  async clearTrigger(id: string, trigger: string): Promise<void> {
    await this.store.run((client) => client.zrem(this.triggersKey, triggerMember(id, trigger)));
  }

  /** `refresh`, with `triggers` recorded pending (as recordTrigger) in the same round trip. */
  async refreshRecording(id: string, now: number, triggers: string[]): Promise<void> {
    await this.store.run((client) => {
      const block = client.multi().zadd(this.activityKey, 'XX', now, id);
      for (const trigger of triggers) block.zadd(this.triggersKey, 'NX', now, triggerMember(id, trigger));
      return block.exec();
    });
  }

  /** XX: an index entry removed by an eviction or an end is never added back. */
  async refresh(id: string, now: number): Promise<void> {
    await this.store.run((client) => client.zadd(this.activityKey, 'XX', now, id));
  }

  /** Out of the activity index, into the ending set until purged. */
  async markEnding(id: string, now: number): Promise<void> {
    await this.store.run((client) =>
      client.multi().zrem(this.activityKey, id).zadd(this.endingKey, 'NX', now, id).exec(),
    );
  }

  async remove(id: string): Promise<void> {
    await this.store.run((client) =>
      client.multi().zrem(this.activityKey, id).zrem(this.endingKey, id).exec(),
    );
  }

  async listByActivity(limit: number, cursor: string | null) {
    const offset = cursor === null ? 0 : Number(cursor);
    const ids = await this.store.run((client) =>
      client.zrevrangebyscore(this.activityKey, '+inf', '-inf', 'LIMIT', offset, limit + 1),
    );
    const hasMore = ids.length > limit;
    return { ids: ids.slice(0, limit), nextCursor: hasMore ? String(offset + limit) : null };
  }

  async sweepCandidates(cutoff: number, endingCutoff: number, limit: number): Promise<string[]> {
    const [idle, ending] = await Promise.all([
      this.store.run((client) =>
        client.zrangebyscore(this.activityKey, '-inf', `(${cutoff}`, 'LIMIT', 0, limit),
      ),
      this.store.run((client) =>
        client.zrangebyscore(this.endingKey, '-inf', `(${endingCutoff}`, 'LIMIT', 0, limit),
      ),
    ]);
    return [...new Set([...ending, ...idle])];
  }

  leastRecentlyActive(limit: number): Promise<string[]> {
    return this.store.run((client) => client.zrange(this.activityKey, '0', String(limit - 1)));
  }

  activeBetween(from: number, to: number, limit: number): Promise<string[]> {
    return this.store.run((client) =>
      client.zrangebyscore(this.activityKey, from, `(${to}`, 'LIMIT', 0, limit),
    );
  }

  count(): Promise<number> {
    return this.store.run((client) => client.zcard(this.activityKey));
  }
}
