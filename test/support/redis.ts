import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis-store';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A key prefix of this test's own, so tests never touch anyone else's keys in a shared Redis. */
export function testPrefix(label = 't'): string {
  return `tgtest:${label}:${randomBytes(4).toString('hex')}:`;
}

export function testStore(prefix = testPrefix()): RedisStore {
  return new RedisStore({ url: TEST_REDIS_URL, clusterNodes: null, keyPrefix: prefix });
}

/** Deletes every key under `prefix` (only those). */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
