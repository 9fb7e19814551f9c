import { createHash } from 'node:crypto';
import { RedisStore } from '../store';
import { EndReason } from '../domain';
import { BatchMark, SessionBatchEnding } from './session-batch-ending.port';
import { EndMode } from './session.repository';
import { pairsToObject, parseTurn, recordFromFields } from './session-record.codec';

/**
 * KEYS: hash, history list. ARGV: reason, now, idleMs, mode (live|expired|any) → {0} gone | {1} kept |
 * {2, reason in force, hash fields, history entries}. MARK_ENDED and SNAPSHOT of redis-session.scripts
 * in one step: once marked, no write changes the session, so what it reads is what gets archived.
 */
const MARK_AND_READ = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local v = redis.call('HMGET', KEYS[1], 'lastActivityAt', 'endReason')
local reason = v[2]
if not reason then
  if not v[1] then return {1} end
  local expired = tonumber(v[1]) + tonumber(ARGV[3]) < tonumber(ARGV[2])
  if ARGV[4] == 'live' and expired then return {1} end
  if ARGV[4] == 'expired' and not expired then return {1} end
  redis.call('HSET', KEYS[1], 'endReason', ARGV[1], 'endedAt', ARGV[2])
  reason = ARGV[1]
end
return {2, reason, redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}
`;

/** KEYS: every key of the session, the hash first → 1 when this call deleted the hash. */
const PURGE = `
local deleted = redis.call('DEL', KEYS[1])
redis.call('DEL', unpack(KEYS, 2))
return deleted
`;

/**
 * A per-session script as one script for a whole batch (a single node, where a script may name keys of
 * any slot): KEYS holds each session's `per` keys in turn, the reply has one entry per session. One
 * command for the batch rather than one per session. A script error stops the batch where it is (what
 * ran stands; both scripts can run again), and the caller then runs the per-session scripts, so one
 * refused session fails alone.
 */
const forEachSession = (lua: string, per: number) => `
local function one(K)
${lua.replaceAll('KEYS', 'K')}
end
local replies = {}
for i = 1, #KEYS, ${per} do
  replies[#replies + 1] = one({unpack(KEYS, i, i + ${per - 1})})
end
return replies
`;

/**
 * MARK_AND_READ for a whole batch on one node, with the index moves of the ended in the same step (one
 * round where the pipeline and MULTI take two). KEYS: each session's hash and history, then the
 * activity index and the ending set. ARGV: MARK_AND_READ's four, then the ids in KEYS' order.
 */
const MARK_AND_READ_BATCH = `
local function one(K)
${MARK_AND_READ.replaceAll('KEYS', 'K')}
end
local n = #KEYS - 2
local replies = {}
for i = 1, n, 2 do
  local reply = one({KEYS[i], KEYS[i + 1]})
  replies[#replies + 1] = reply
  if reply[1] == 2 then
    local id = ARGV[4 + (i + 1) / 2]
    redis.call('ZREM', KEYS[n + 1], id)
    redis.call('ZADD', KEYS[n + 2], 'NX', ARGV[2], id)
  end
end
return replies
`;

type MarkReply = [0] | [1] | [2, EndReason, string[], string[]];

const sha1 = (lua: string) => createHash('sha1').update(lua).digest('hex');
const KEYS_PER_SESSION = 5;
/** The batch form of a per-session script (PURGE names all 5 keys of a session). */
const BATCHED = new Map([[PURGE, forEachSession(PURGE, KEYS_PER_SESSION)]]);
const SHAS = new Map([MARK_AND_READ, PURGE].map((lua) => [lua, sha1(lua)]));

function toMark(id: string, settled: PromiseSettledResult<MarkReply>): BatchMark {
  if (settled.status === 'rejected') return { id, status: 'failed', error: settled.reason };
  const reply = settled.value;
  if (reply[0] === 0) return { id, status: 'gone' };
  if (reply[0] === 1) return { id, status: 'kept' };
  const record = recordFromFields(id, pairsToObject(reply[2]), 0);
  return { id, status: 'ended', reason: reply[1], snapshot: { record, turns: reply[3].map(parseTurn) } };
}

/**
 * The sweep's batches in Redis. On a single node, each step is one script for the whole batch (the
 * marks with their index moves; the purge). On a Cluster, and when a session's keys refuse the batch
 * script: one script per session, all sent at once (each session's keys share a hash tag, so every
 * script runs in one Cluster slot; nothing spans sessions), and one MULTI on the indexes, which share
 * a hash tag of their own, per step.
 */
export class RedisSessionBatchEnding implements SessionBatchEnding {
  constructor(
    private readonly store: RedisStore,
    private readonly settings: { idleTtlMs: number },
  ) {}

  /** The layout of RedisSessionRepository: hash, history, outbox, once-markers, idempotency keys. */
  private keys(id: string): string[] {
    const base = this.store.key(`s:{${id}}`);
    return [base, `${base}:h`, `${base}:m`, `${base}:once`, `${base}:k`];
  }

  private get activityKey(): string {
    return this.store.key('{idx}', 'activity');
  }

  private get endingKey(): string {
    return this.store.key('{idx}', 'ending');
  }

  async markAndRead(
    ids: readonly string[],
    reason: EndReason,
    now: number,
    mode: EndMode,
  ): Promise<BatchMark[]> {
    const args = [reason, now, this.settings.idleTtlMs, mode];
    const inOneStep = await this.markInOneStep(ids, args);
    if (inOneStep) return inOneStep.map((reply, i) => toMark(ids[i], { status: 'fulfilled', value: reply }));
    const replies = await this.each<MarkReply>(
      MARK_AND_READ,
      ids.map((id) => this.keys(id).slice(0, 2)),
      args,
    );
    const marks = replies.map((settled, i) => toMark(ids[i], settled));
    const ended = marks.filter((mark) => mark.status === 'ended').map((mark) => mark.id);
    if (ended.length > 0) {
      // Out of the activity index; in the ending set (its first time kept) until purged, so a crash
      // before the archive write leaves them for the sweep instead of losing them.
      await this.store.run((client) =>
        client
          .multi()
          .zrem(this.activityKey, ...ended)
          .zadd(this.endingKey, 'NX', ...ended.flatMap((id) => [now, id]))
          .exec(),
      );
    }
    return marks;
  }

  /**
   * The batch's marks and index moves as one script on a single node; null on a Cluster, or when a
   * session's keys refuse the script (what ran stands and runs again idempotently one by one).
   */
  private async markInOneStep(
    ids: readonly string[],
    args: Array<string | number>,
  ): Promise<MarkReply[] | null> {
    if (this.store.isCluster || ids.length < 2) return null;
    const keys = [...ids.flatMap((id) => this.keys(id).slice(0, 2)), this.activityKey, this.endingKey];
    try {
      const replies = await this.store.script<MarkReply[]>(MARK_AND_READ_BATCH, keys, [...args, ...ids]);
      return replies.length === ids.length ? replies : null;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ReplyError')) throw error;
      return null;
    }
  }

  async purge(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const deletes = this.each<number>(
      PURGE,
      ids.map((id) => this.keys(id)),
      [],
    );
    // Sent after the deletes on the same connection, so Redis runs it after them; a failed delete
    // leaves keys without index entries, which their TTL removes (they are archived already).
    const unindex = this.store.run((client) =>
      client
        .multi()
        .zrem(this.activityKey, ...ids)
        .zrem(this.endingKey, ...ids)
        .exec(),
    );
    const deleted = await deletes;
    await unindex;
    return new Set(ids.filter((_, i) => deleted[i].status === 'fulfilled' && deleted[i].value === 1));
  }

  /**
   * Runs `lua` once per key list: on a single node as one script for the whole batch (one command),
   * and, should that fail, one script per key list in one pipeline (one write, one read), so a refused
   * session fails alone; on a Cluster, where neither can span slots, the scripts sent back to back.
   */
  private async each<T>(
    lua: string,
    keyLists: string[][],
    args: Array<string | number>,
  ): Promise<Array<PromiseSettledResult<T>>> {
    const one = (keys: string[]) => this.store.script<T>(lua, keys, args);
    if (this.store.isCluster) return Promise.allSettled(keyLists.map(one));
    const batched = BATCHED.get(lua);
    if (batched && keyLists.length > 1) {
      try {
        const replies = await this.store.script<T[]>(batched, keyLists.flat(), args);
        if (replies.length === keyLists.length) {
          return replies.map((value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }));
        }
      } catch (error) {
        // The store is down: so is the batch. A session's keys refused the script: each on its own below.
        if (!(error instanceof Error && error.name === 'ReplyError')) throw error;
      }
    }
    const sha = SHAS.get(lua) ?? sha1(lua);
    const replies = await this.store.run(async (client) => {
      const pipeline = client.pipeline();
      for (const keys of keyLists) pipeline.evalsha(sha, keys.length, ...keys, ...args);
      return (await pipeline.exec()) ?? [];
    });
    return Promise.all(
      keyLists.map(async (keys, i): Promise<PromiseSettledResult<T>> => {
        const [error, value] = replies[i] ?? [new Error('no reply')];
        // After a Redis restart or a failover the script is unknown: this one call loads it.
        if (error?.message.startsWith('NOSCRIPT')) {
          return one(keys).then(
            (retried) => ({ status: 'fulfilled', value: retried }),
            (reason: unknown) => ({ status: 'rejected', reason }),
          );
        }
        return error ? { status: 'rejected', reason: error } : { status: 'fulfilled', value: value as T };
      }),
    );
  }
}
