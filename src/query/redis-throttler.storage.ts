import { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { ConnectionStateLog, RedisClient, RedisStore } from '../store';

type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * KEYS: hits, blocked. ARGV: ttlMs, limit, blockMs → {totalHits, msToExpire, blocked (1|0), msToUnblock}.
 * The algorithm (and the key names) of @nest-lab/throttler-storage-redis, which this replaced: it sent
 * the script's source with every request (EVAL) on a connection of its own.
 */
const INCREMENT = `
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local hits = redis.call('INCR', KEYS[1])
local expires = redis.call('PTTL', KEYS[1])
if expires <= 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  expires = ttl
end
local blocked = redis.call('GET', KEYS[2])
local unblocks = 0
if blocked then
  unblocks = redis.call('PTTL', KEYS[2])
elseif hits > limit then
  redis.call('SET', KEYS[2], 1, 'PX', block)
  blocked = '1'
  unblocks = block
end
if blocked and unblocks <= 0 then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[1], 1, 'PX', ttl)
  hits, expires, blocked = 1, ttl, false
end
return {hits, expires, blocked and 1 or 0, unblocks}
`;

const INCREMENT_SHA = createHash('sha1').update(INCREMENT).digest('hex');

/**
 * The rate-limit counters in Redis, shared by all instances, under the deployment's key prefix
 * (`{prefix}rl:{key:name}:hits` and `:blocked`, one hash tag per client), on a connection of its own.
 * One EVALSHA per request; an outage is a 503 STORE_UNAVAILABLE like every other store failure.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly client: RedisClient;
  private readonly stateLog: ConnectionStateLog;

  constructor(private readonly store: RedisStore) {
    this.client = store.duplicate();
    this.stateLog = ConnectionStateLog.watch(this.client, 'rate-limit');
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<ThrottlerRecord> {
    const tag = this.store.key(`rl:{${key}:${name}}`);
    const args = [`${tag}:hits`, `${tag}:blocked`, ttl, limit, blockDuration];
    const reply = await this.store.run(async (client) => {
      try {
        return (await client.evalsha(INCREMENT_SHA, 2, ...args)) as number[];
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await client.eval(INCREMENT, 2, ...args)) as number[];
      }
    }, this.client);
    const [totalHits, msToExpire, blocked, msToUnblock] = reply;
    return {
      totalHits,
      timeToExpire: Math.ceil(msToExpire / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(msToUnblock / 1000),
    };
  }

  onModuleDestroy(): void {
    this.stateLog.closing();
    this.client.disconnect(false);
  }
}
