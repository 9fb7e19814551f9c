import { createHash } from 'node:crypto';
import { mapInSlices } from '../common/in-slices';
import { RedisStore } from '../store';
import { EndReason } from '../domain';
import { BatchMark, SessionBatchEnding } from './session-batch-ending.port';
import { EndMode } from './session.repository';
import { pairsToObject, recordFromFields, turnFromEntry } from './session-record.codec';

/**
 * KEYS: hash, history list. ARGV: reason, now, idleMs, mode (live|expired|any) → a JSON text: [0] gone |
 * [1] kept | [2, reason in force, [hash field, value, …], [history entries]]. MARK_ENDED and SNAPSHOT of
 * redis-session.scripts in one step: once marked, no write changes the session, so what it reads is what
 * gets archived. The hash is read once (HGETALL), its two fields of interest found in it. One string
 * rather than nested replies: Node parses it natively in one call instead of decoding two dozen RESP
 * items per session, and the history entries (JSON texts themselves, written by cjson.encode or
 * JSON.stringify) go in as they are, parsed once.
 */
const MARK_AND_READ = `
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return '[0]' end
local last, reason
for i = 1, #fields, 2 do
  if fields[i] == 'lastActivityAt' then last = fields[i + 1] elseif fields[i] == 'endReason' then reason = fields[i + 1] end
end
if not reason then
  if not last then return '[1]' end
  local expired = tonumber(last) + tonumber(ARGV[3]) < tonumber(ARGV[2])
  if ARGV[4] == 'live' and expired then return '[1]' end
  if ARGV[4] == 'expired' and not expired then return '[1]' end
  redis.call('HSET', KEYS[1], 'endReason', ARGV[1], 'endedAt', ARGV[2])
  -- what HGETALL would now answer (a field given twice: the later one is read)
  local n = #fields
  fields[n + 1], fields[n + 2], fields[n + 3], fields[n + 4] = 'endReason', ARGV[1], 'endedAt', ARGV[2]
  reason = ARGV[1]
end
return '[2,' .. cjson.encode(reason) .. ',' .. cjson.encode(fields) .. ',[' ..
  table.concat(redis.call('LRANGE', KEYS[2], 0, -1), ',') .. ']]'
`;

/** KEYS: every key of the session, the hash first → 1 when this call deleted the hash. */
const PURGE = `
local deleted = redis.call('DEL', KEYS[1])
redis.call('DEL', unpack(KEYS, 2))
return deleted
`;

/**
 * PURGE for a whole batch on one node (where a script may name keys of any slot), the index entries
 * included: one command for the batch. KEYS: each session's 5 keys in turn (the hash first), then the
 * activity index and the ending set. ARGV: the ids → one entry per session, 1 when this call deleted its
 * hash. A script error stops it where it is (what ran stands; it can run again), and the caller then
 * runs PURGE per session, so one refused session fails alone.
 */
const PURGE_BATCH = `
local n = #KEYS - 2
local deleted, rest = {}, {}
for i = 1, n, 5 do
  deleted[#deleted + 1] = redis.call('DEL', KEYS[i])
  for j = i + 1, i + 4 do rest[#rest + 1] = KEYS[j] end
end
-- unpack in slices: Lua's stack takes a few thousand values at most
for j = 1, #rest, 1000 do redis.call('DEL', unpack(rest, j, math.min(j + 999, #rest))) end
for j = 1, #ARGV, 1000 do
  redis.call('ZREM', KEYS[n + 1], unpack(ARGV, j, math.min(j + 999, #ARGV)))
  redis.call('ZREM', KEYS[n + 2], unpack(ARGV, j, math.min(j + 999, #ARGV)))
end
return deleted
`;

/**
 * MARK_AND_READ for a whole batch on one node, with the index moves of the ended in the same step (one
 * round where the pipeline and MULTI take two; one ZREM and one ZADD for the batch). KEYS: each
 * session's hash and history, then the activity index and the ending set. ARGV: MARK_AND_READ's four,
 * then the ids in KEYS' order.
 */
const MARK_AND_READ_BATCH = `
local function one(K)
${MARK_AND_READ.replaceAll('KEYS', 'K')}
end
local n = #KEYS - 2
local replies, ended, since = {}, {}, {}
for i = 1, n, 2 do
  local reply = one({KEYS[i], KEYS[i + 1]})
  replies[#replies + 1] = reply
  if string.sub(reply, 2, 2) == '2' then -- marked ('[2,…')
    local id = ARGV[4 + (i + 1) / 2]
    ended[#ended + 1] = id
    since[#since + 1] = ARGV[2]
    since[#since + 1] = id
  end
end
-- unpack in slices: Lua's stack takes a few thousand values at most
for j = 1, #ended, 1000 do
  redis.call('ZREM', KEYS[n + 1], unpack(ended, j, math.min(j + 999, #ended)))
end
for j = 1, #since, 2000 do
  redis.call('ZADD', KEYS[n + 2], 'NX', unpack(since, j, math.min(j + 1999, #since)))
end
return replies
`;

/** MARK_AND_READ's reply, a JSON text of [0] | [1] | [2, reason, fields, entries]. */
type MarkReply = string;

const sha1 = (lua: string) => createHash('sha1').update(lua).digest('hex');
const SHAS = new Map([MARK_AND_READ, PURGE].map((lua) => [lua, sha1(lua)]));

function toMark(id: string, settled: PromiseSettledResult<MarkReply>): BatchMark {
  if (settled.status === 'rejected') return { id, status: 'failed', error: settled.reason };
  try {
    const reply = JSON.parse(settled.value) as [0] | [1] | [2, EndReason, string[], unknown[]];
    if (reply[0] === 0) return { id, status: 'gone' };
    if (reply[0] === 1) return { id, status: 'kept' };
    const record = recordFromFields(id, pairsToObject(reply[2]), 0);
    return {
      id,
      status: 'ended',
      reason: reply[1],
      snapshot: { record, turns: reply[3].map(turnFromEntry) },
    };
  } catch (error) {
    // An entry that is not a history entry: this session fails alone (it stays marked, as any failure).
    return { id, status: 'failed', error };
  }
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
    if (inOneStep) {
      // Parsed in slices: a batch's replies are a hundred sessions' content.
      const replies = inOneStep.map((value, i) => ({ id: ids[i], value }));
      return mapInSlices(replies, ({ id, value }) => toMark(id, { status: 'fulfilled', value }));
    }
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
    const deleted = (await this.purgeInOneStep(ids)) ?? (await this.purgeEach(ids));
    return new Set(ids.filter((_, i) => deleted[i]));
  }

  /** PURGE_BATCH on a single node; null on a Cluster, or when a session's keys refuse the script. */
  private async purgeInOneStep(ids: readonly string[]): Promise<boolean[] | null> {
    if (this.store.isCluster || ids.length < 2) return null;
    const keys = [...ids.flatMap((id) => this.keys(id)), this.activityKey, this.endingKey];
    try {
      const replies = await this.store.script<number[]>(PURGE_BATCH, keys, [...ids]);
      return replies.length === ids.length ? replies.map((reply) => reply === 1) : null;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ReplyError')) throw error;
      return null;
    }
  }

  /** PURGE per session, then one MULTI on the index entries: whether each call deleted its hash. */
  private async purgeEach(ids: readonly string[]): Promise<boolean[]> {
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
    return deleted.map((settled) => settled.status === 'fulfilled' && settled.value === 1);
  }

  /**
   * Runs `lua` once per key list: on a single node one script per key list in one pipeline (one write,
   * one read), so a refused session fails alone; on a Cluster, where a pipeline reaches one node, the
   * scripts sent back to back.
   */
  private async each<T>(
    lua: string,
    keyLists: string[][],
    args: Array<string | number>,
  ): Promise<Array<PromiseSettledResult<T>>> {
    const one = (keys: string[]) => this.store.script<T>(lua, keys, args);
    if (this.store.isCluster) return Promise.allSettled(keyLists.map(one));
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
