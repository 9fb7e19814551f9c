import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { RedisPoiRepository } from './redis-poi.repository';
import { waitFor } from '../../test/support/eventually';
import { AppConfig } from '../config/app-config';
import { describePoiRepositoryContract } from './poi.repository.contract';
import { PoiService } from './poi.service';

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

describe(RedisPoiRepository.name, () => {
  describe('watch', () => {
    it('tells another instance that the set was replaced, and answers through a PoiService copy', async () => {
      const prefix = testPrefix('poi-watch');
      const [storeA, storeB] = [testStore(prefix), testStore(prefix)];
      await Promise.all([storeA.waitUntilReady(3000), storeB.waitUntilReady(3000)]);
      const [a, b] = [new RedisPoiRepository(storeA), new RedisPoiRepository(storeB)];
      const sut = new PoiService(b, { poiFile: null } as AppConfig);
      await sut.onModuleInit();
      try {
        const gate = {
          id: 'gate',
          name: 'Gate',
          description: 'd',
          lat: 39.9149,
          lon: 116.3905,
          radiusM: 100,
        };
        await a.replaceAll([gate]);
        await waitFor('the new set', async () => (await sut.all()).map((poi) => poi.id).join() === 'gate');
        expect(await sut.near({ lat: 39.9149, lon: 116.3905 }, 50)).toMatchObject([
          { id: 'gate', distanceM: 0 },
        ]);
        await a.replaceAll([{ ...gate, id: 'bridge' }]);
        await waitFor('the next set', async () => (await sut.all()).map((poi) => poi.id).join() === 'bridge');
      } finally {
        await sut.onModuleDestroy();
        await deleteKeysWithPrefix(prefix);
        await Promise.all([storeA.close(), storeB.close()]);
      }
    });
  });
});
