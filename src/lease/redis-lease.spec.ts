import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { describeLeaseContract } from './lease.contract';
import { RedisLease } from './redis-lease';

describeLeaseContract(RedisLease.name, async () => {
  const prefix = testPrefix('lease');
  const store = testStore(prefix);
  await store.waitUntilReady(2000);
  return {
    sut: new RedisLease(store),
    // Redis expires the key on its own clock (PX), so only a real wait lets the TTL pass.
    elapse: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    cleanup: async () => {
      await deleteKeysWithPrefix(prefix);
      await store.close();
    },
  };
});
