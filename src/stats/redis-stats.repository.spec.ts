import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { RedisStatsRepository } from './redis-stats.repository';
import { describeStatsRepositoryContract } from './stats.repository.contract';

describeStatsRepositoryContract(RedisStatsRepository.name, async () => {
  const prefix = testPrefix('stats');
  const store = testStore(prefix);
  await store.waitUntilReady(2000);
  return {
    sut: new RedisStatsRepository(store),
    cleanup: async () => {
      await deleteKeysWithPrefix(prefix);
      await store.close();
    },
  };
});
