import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { RedisStore } from '../store/redis-store';

/**
 * The rate-limit counters in Redis, shared by all instances, under the deployment's key prefix (a
 * dedicated connection whose ioredis `keyPrefix` prefixes the library's script keys).
 */
export function createRedisThrottlerStorage(store: RedisStore): ThrottlerStorageRedisService {
  const client = store.duplicate({ keyPrefix: store.key('rl:'), enableOfflineQueue: true });
  const storage = new ThrottlerStorageRedisService(client as never);
  storage.disconnectRequired = true;
  return storage;
}
