import { RedisStore } from '../store/redis-store';
import * as Lua from './redis-session.scripts';
import {
  ClientSeen,
  EndMode,
  EndResult,
  HistoryPage,
  MemoryUsage,
  MessagePage,
  NewSession,
  SessionRepository,
  SessionStoreSettings,
  TouchResult,
} from './session.repository';
import { fieldsFromRecord, isLive, pairsToObject, parseTurn, recordFromFields } from './session-record.codec';
import {
  EndReason,
  NewOutboxMessage,
  NewTurn,
  OutboxMessage,
  SessionRecord,
  SessionSnapshot,
  Turn,
} from './session.types';

type StreamEntry = [id: string, fields: string[]];

/**
 * Sessions in Redis: `{prefix}s:{ID}` (hash), `:h` (history list), `:m` (outbox stream), `:once` (one-time
 * POIs), all under the session's hash tag; `{prefix}{idx}:activity` (id → last activity) and
 * `{prefix}{idx}:ending` (ids being archived, for crash recovery) share another.
 */
export class RedisSessionRepository implements SessionRepository {
  constructor(
    private readonly store: RedisStore,
    private readonly settings: SessionStoreSettings,
  ) {}

  private keys(id: string): string[] {
    const base = this.store.key(`s:{${id}}`);
    return [base, `${base}:h`, `${base}:m`, `${base}:once`];
  }

  private get activityKey(): string {
    return this.store.key('{idx}', 'activity');
  }

  private get endingKey(): string {
    return this.store.key('{idx}', 'ending');
  }

  async create(session: NewSession, now: number, maxSessions: number) {
    const created = await this.store.script<number>(Lua.CREATE, this.keys(session.id).slice(0, 1), [
      now,
      this.settings.keyTtlMs,
      session.locale,
      JSON.stringify(session.metadata),
      session.clientIp ?? '',
      session.userAgent ?? '',
    ]);
    if (created !== 1) throw new Error('Session id collision');
    // Read before indexing: once indexed, a concurrent create may already evict it (cap ties).
    const record = await this.find(session.id, now);
    if (!record) throw new Error('Session vanished right after creation');
    return { record, evicted: await this.admit(session.id, now, maxSessions) };
  }

  /** Adds a session to the activity index; beyond the cap the least recently active move to ending. */
  private admit(id: string, now: number, maxSessions: number): Promise<string[]> {
    return this.store.script<string[]>(
      Lua.INDEX_ADD_WITH_CAP,
      [this.activityKey, this.endingKey],
      [id, now, maxSessions],
    );
  }

  async find(id: string, now: number): Promise<SessionRecord | null> {
    const reply = await this.store.script<[string[], number] | []>(Lua.READ, this.keys(id), []);
    if (reply.length === 0) return null;
    const record = recordFromFields(id, pairsToObject(reply[0]), reply[1]);
    return isLive(record, now, this.settings.idleTtlMs) ? record : null;
  }

  async touch(id: string, now: number, client: ClientSeen | null): Promise<TouchResult> {
    const reply = await this.store.script<[number, number?, string[]?, number?]>(Lua.TOUCH, this.keys(id), [
      now,
      this.settings.idleTtlMs,
      this.settings.keyTtlMs,
      client?.ip ?? '',
      client?.userAgent ?? '',
      client?.policy ?? 'off',
    ]);
    if (reply[0] === -1) return { status: 'ip_mismatch' };
    if (reply[0] !== 1) return { status: 'gone' };
    await this.refreshIndex(id, now);
    return {
      status: 'ok',
      record: recordFromFields(id, pairsToObject(reply[2] ?? []), reply[3] ?? 0),
      ipChanged: reply[1] === 1,
    };
  }

  /** XX: an index entry removed by an eviction or an end is never added back. */
  private async refreshIndex(id: string, now: number): Promise<void> {
    await this.store.run((client) => client.zadd(this.activityKey, 'XX', now, id));
  }

  async appendTurns(id: string, turns: NewTurn[], now: number, touch: boolean): Promise<Turn[] | null> {
    const seqs = await this.store.script<number[] | null>(Lua.APPEND_TURNS, this.keys(id), [
      now,
      this.settings.idleTtlMs,
      this.settings.keyTtlMs,
      this.settings.historyMaxTurns,
      touch ? 1 : 0,
      JSON.stringify(turns),
    ]);
    if (!seqs) return null;
    if (touch) await this.refreshIndex(id, now);
    return turns.map((turn, i) => ({ ...turn, seq: seqs[i] }));
  }

  async history(id: string, limit: number, before: number | null): Promise<HistoryPage> {
    const [entries, older] = await this.store.script<[string[], number]>(Lua.HISTORY_PAGE, this.keys(id), [
      limit,
      before === null ? '' : before,
    ]);
    return { turns: entries.map(parseTurn), hasOlder: older === 1 };
  }

  async markEnded(id: string, reason: EndReason, now: number, mode: EndMode): Promise<EndResult> {
    const inForce = await this.store.script<EndReason | null>(Lua.MARK_ENDED, this.keys(id).slice(0, 1), [
      reason,
      now,
      this.settings.idleTtlMs,
      mode,
    ]);
    if (!inForce) return { status: 'not_ended' };
    // Out of the activity index at once; kept in the ending set until purged, so a crash before the
    // archive is written leaves it for the sweep instead of losing it.
    await this.store.run((client) =>
      client.multi().zrem(this.activityKey, id).zadd(this.endingKey, 'NX', now, id).exec(),
    );
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
    await this.store.run((client) =>
      client.multi().zrem(this.activityKey, id).zrem(this.endingKey, id).exec(),
    );
    return deleted === 1;
  }

  async clearConversation(id: string, expectedLastSeq: number, now: number, touch: boolean) {
    const reply = await this.store.script<[number, string[]?, number?]>(
      Lua.CLEAR_CONVERSATION,
      this.keys(id),
      [expectedLastSeq, now, this.settings.idleTtlMs, this.settings.keyTtlMs, touch ? 1 : 0],
    );
    if (reply[0] === -1) return 'changed' as const;
    if (reply[0] !== 1) return null;
    if (touch) await this.refreshIndex(id, now);
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
      ...snapshot.turns.slice(-this.settings.historyMaxTurns).map((turn) => JSON.stringify(turn)),
    ]);
    if (restored !== 1) return null;
    return this.admit(record.id, now, maxSessions);
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

  async leastRecentlyActive(limit: number): Promise<string[]> {
    return this.store.run((client) => client.zrange(this.activityKey, '0', String(limit - 1)));
  }

  async activeBetween(from: number, to: number, limit: number): Promise<string[]> {
    return this.store.run((client) =>
      client.zrangebyscore(this.activityKey, from, `(${to}`, 'LIMIT', 0, limit),
    );
  }

  async count(): Promise<number> {
    return this.store.run((client) => client.zcard(this.activityKey));
  }

  async pushMessage(
    id: string,
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<OutboxMessage | null> {
    const turn: NewTurn = { role: 'proactive', text: message.text, createdAt: message.createdAt };
    const messageId = await this.store.script<string | null>(Lua.PUSH_MESSAGE, this.keys(id), [
      now,
      this.settings.idleTtlMs,
      this.settings.historyMaxTurns,
      this.settings.outboxMaxLength,
      message.kind,
      message.text,
      message.poiId ?? '',
      message.createdAt,
      JSON.stringify(turn),
      deliveryKey ?? '',
    ]);
    return messageId ? { ...message, id: messageId } : null;
  }

  async readMessages(id: string, after: string | null, limit: number): Promise<MessagePage> {
    const reply = await this.store.script<[StreamEntry[], number] | []>(Lua.READ_MESSAGES, this.keys(id), [
      after ?? '',
      limit,
    ]);
    if (reply.length === 0) return { messages: [], pending: 0 };
    return { messages: reply[0].map(messageFromEntry), pending: reply[1] };
  }

  async acknowledge(id: string, cursor: string): Promise<void> {
    await this.store.script(Lua.ACKNOWLEDGE, this.keys(id), [cursor]);
  }

  async markOnce(id: string, marker: string, now: number): Promise<boolean> {
    const added = await this.store.script<number>(Lua.MARK_ONCE, this.keys(id), [
      marker,
      now,
      this.settings.idleTtlMs,
    ]);
    return added === 1;
  }

  async isMarked(id: string, marker: string): Promise<boolean> {
    const [, , , once] = this.keys(id);
    return (await this.store.run((client) => client.sismember(once, marker))) === 1;
  }

  async setLocation(id: string, lat: number, lon: number, now: number): Promise<void> {
    await this.store.script(Lua.SET_LOCATION, this.keys(id), [lat, lon, now, this.settings.idleTtlMs]);
  }

  async storeBytes(id: string): Promise<number> {
    const sizes = await Promise.all(
      this.keys(id).map((key) => this.store.run((client) => client.call('MEMORY', 'USAGE', key))),
    );
    return sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0);
  }

  /**
   * On a Cluster, the fullest master speaks for all, as it runs out of memory first: the highest share
   * of its `maxmemory` among masters that have one, else the most bytes used.
   */
  async memoryUsage(): Promise<MemoryUsage> {
    const nodes = (await this.store.infoPerNode('memory')).map((info): MemoryUsage => {
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
      const limit = field('maxmemory');
      return { used: field('used_memory'), limit: limit > 0 ? limit : null };
    });
    const limited = nodes.filter((node) => node.limit !== null);
    const fullness = (node: MemoryUsage) => (node.limit === null ? node.used : node.used / node.limit);
    return (limited.length > 0 ? limited : nodes).reduce((fullest, node) =>
      fullness(node) > fullness(fullest) ? node : fullest,
    );
  }

  async ping(): Promise<void> {
    await this.store.ping();
  }
}

function messageFromEntry([id, flat]: StreamEntry): OutboxMessage {
  const fields = pairsToObject(flat);
  const message: OutboxMessage = {
    id,
    kind: fields.kind as OutboxMessage['kind'],
    text: fields.text,
    createdAt: Number(fields.createdAt),
  };
  if (fields.poiId) message.poiId = fields.poiId;
  return message;
}
