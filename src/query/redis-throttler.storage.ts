import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerStorage } from '@nestjs/throttler';
import { StoreUnavailableError } from '../common/api-error';
import { ConnectionStateLog, RedisStore } from '../store';

type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The rate-limit counters in Redis, shared by all instances, under the deployment's key prefix (a
 * dedicated connection whose ioredis `keyPrefix` prefixes the library's script keys). An outage is a
 * 503 STORE_UNAVAILABLE like every other store failure, never a 500.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly storage: ThrottlerStorageRedisService;
  private readonly stateLog: ConnectionStateLog;

  constructor(store: RedisStore) {
    const client = store.duplicate({ keyPrefix: store.key('rl:') });
    this.stateLog = ConnectionStateLog.watch(client, 'rate-limit');
    this.storage = new ThrottlerStorageRedisService(client as never);
    this.storage.disconnectRequired = true;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<ThrottlerRecord> {
    try {
      return await this.storage.increment(key, ttl, limit, blockDuration, name);
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  onModuleDestroy(): void {
    this.stateLog.closing();
    this.storage.onModuleDestroy();
  }
}
