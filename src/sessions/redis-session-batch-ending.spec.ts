import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { RedisSessionBatchEnding } from './redis-session-batch-ending';
import { RedisSessionRepository } from './redis-session.repository';
import { CONTRACT_SETTINGS } from './session-contract.fixtures';
import { BatchEndingSubject, describeBatchEndingContract } from './session-batch-ending.contract';

describeBatchEndingContract(RedisSessionBatchEnding.name, async (): Promise<BatchEndingSubject> => {
  const prefix = testPrefix('batch-ending');
  const store = testStore(prefix);
  await store.waitUntilReady(2000);
  return {
    sut: new RedisSessionBatchEnding(store, CONTRACT_SETTINGS),
    sessions: new RedisSessionRepository(store, CONTRACT_SETTINGS),
    // Every key a session has, whatever the adapter calls it, names the session's hash tag.
    idsWithKeys: async (ids) => {
      const keys = await store.client.keys(`${prefix}*`);
      return ids.filter((id) => keys.some((key) => key.includes(`{${id}}`)));
    },
    cleanup: async () => {
      await deleteKeysWithPrefix(prefix);
      await store.close();
    },
  };
});
