import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { RedisSessionBatchEnding } from './redis-session-batch-ending';
import { RedisSessionRepository } from './redis-session.repository';
import { RedisStore } from '../store';
import { CONTRACT_SETTINGS, newSession, T0, turn } from './session-contract.fixtures';
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

describe(`${RedisSessionBatchEnding.name} on one node`, () => {
  const EXPIRED_AT = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
  let prefix: string;
  let store: RedisStore;
  let sut: RedisSessionBatchEnding;
  let sessions: RedisSessionRepository;
  beforeEach(async () => {
    prefix = testPrefix('batch-one-node');
    store = testStore(prefix);
    await store.waitUntilReady(2000);
    sut = new RedisSessionBatchEnding(store, CONTRACT_SETTINGS);
    sessions = new RedisSessionRepository(store, CONTRACT_SETTINGS);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await deleteKeysWithPrefix(prefix);
    await store.close();
  });

  async function conversations(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { id } = (await sessions.create(newSession(), T0, 1000)).record;
      await sessions.appendTurns(id, [turn('user', `q ${i}`, T0), turn('assistant', 'a', T0)], T0, true);
      ids.push(id);
    }
    return ids;
  }

  it('marks and purges a batch in one script each, with one pipeline for the indexes', async () => {
    const ids = await conversations(5);
    const scripts = jest.spyOn(store, 'script');
    const pipelines = jest.spyOn(store.client, 'pipeline');
    const marks = await sut.markAndRead(ids, 'expired', EXPIRED_AT, 'expired');
    expect(marks.map((mark) => mark.status)).toEqual(ids.map(() => 'ended'));
    expect([...(await sut.purge(ids))].sort()).toEqual([...ids].sort());
    expect(scripts).toHaveBeenCalledTimes(2);
    expect(scripts.mock.calls.map(([, keys]) => keys.length)).toEqual([2 * ids.length, 5 * ids.length]);
    expect(pipelines).not.toHaveBeenCalled(); // the index updates are MULTIs
    expect(await store.client.keys(`${prefix}s:*`)).toEqual([]);
  });

  it('fails only the session whose keys the script refuses, and marks the others', async () => {
    const ids = await conversations(3);
    // The history under the middle session's name is not a list: LRANGE fails on it.
    await store.client.del(`${prefix}s:{${ids[1]}}:h`);
    await store.client.set(`${prefix}s:{${ids[1]}}:h`, 'not a list');
    const marks = await sut.markAndRead(ids, 'expired', EXPIRED_AT, 'expired');
    expect(marks.map((mark) => [mark.id, mark.status])).toEqual([
      [ids[0], 'ended'],
      [ids[1], 'failed'],
      [ids[2], 'ended'],
    ]);
    const last = marks[2];
    if (last.status !== 'ended') throw new Error('not ended');
    expect(last.snapshot.turns.map((t) => t.text)).toEqual(['q 2', 'a']);
    expect([...(await sut.purge([ids[0], ids[2]]))].sort()).toEqual([ids[0], ids[2]].sort());
  });
});
