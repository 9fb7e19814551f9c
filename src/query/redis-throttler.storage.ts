import { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { ConnectionStateLog, RATE_LIMIT, rateLimitKeys, RedisClient, RedisStore } from '../store';

type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const INCREMENT_SHA = createHash('sha1').update(RATE_LIMIT).digest('hex');

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
    const args = [...rateLimitKeys((part) => this.store.key(part), key, name), ttl, limit, blockDuration];
    const reply = await this.store.run(async (client) => {
      try {
        return (await client.evalsha(INCREMENT_SHA, 2, ...args)) as number[];
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await client.eval(RATE_LIMIT, 2, ...args)) as number[];
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
