import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { RedisPoiRepository } from './redis-poi.repository';
import { describePoiRepositoryContract } from './poi.repository.contract';

describePoiRepositoryContract(RedisPoiRepository.name, async () => {
  const prefix = testPrefix('poi');
  const store = testStore(prefix);
  await store.waitUntilReady(3000);
  return {
    repository: new RedisPoiRepository(store),
    cleanup: async () => {
      await deleteKeysWithPrefix(prefix);
      await store.close();
    },
  };
});
