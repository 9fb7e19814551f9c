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

  it('marks a batch, its index moves included, in one script, and purges it, index entries included, in one script', async () => {
    const ids = await conversations(5);
    const scripts = jest.spyOn(store, 'script');
    const evalshas = jest.spyOn(store.client, 'evalsha');
    const multis = jest.spyOn(store.client, 'multi');
    const marks = await sut.markAndRead(ids, 'expired', EXPIRED_AT, 'expired');
    expect(marks.map((mark) => mark.status)).toEqual(ids.map(() => 'ended'));
    expect(multis).not.toHaveBeenCalled();
    const index = (name: string) => store.client.zrange(`${prefix}{idx}:${name}`, '0', '-1', 'WITHSCORES');
    expect(await index('activity')).toEqual([]);
    expect((await index('ending')).filter((_, i) => i % 2 === 1)).toEqual(ids.map(() => String(EXPIRED_AT)));
    expect([...(await sut.purge(ids))].sort()).toEqual([...ids].sort());
    expect(scripts).toHaveBeenCalledTimes(2);
    expect(scripts.mock.calls.map(([, keys]) => keys.length)).toEqual([
      2 * ids.length + 2,
      5 * ids.length + 2,
    ]);
    expect(evalshas).toHaveBeenCalledTimes(2); // not one command per session
    expect(multis).not.toHaveBeenCalled(); // the index entries go in the same scripts
    expect(await index('ending')).toEqual([]);
    expect(await store.client.keys(`${prefix}s:*`)).toEqual([]);
  });

  it('reads history entries of the old JSON-object form, and fails alone a session whose entry is not JSON', async () => {
    const ids = await conversations(3);
    await store.client.rpush(
      `${prefix}s:{${ids[0]}}:h`,
      '{"seq":3,"role":"proactive","text":"old","createdAt":"2025-12-01T12:00:00.123Z"}',
    );
    await store.client.rpush(`${prefix}s:{${ids[1]}}:h`, 'not json');
    const marks = await sut.markAndRead(ids, 'expired', EXPIRED_AT, 'expired');
    expect(marks.map((mark) => [mark.id, mark.status])).toEqual([
      [ids[0], 'ended'],
      [ids[1], 'failed'],
      [ids[2], 'ended'],
    ]);
    const [first] = marks;
    if (first.status !== 'ended') throw new Error('not ended');
    expect(first.snapshot.turns.at(-1)).toEqual({
      seq: 3,
      role: 'proactive',
      text: 'old',
      createdAt: Date.parse('2025-12-01T12:00:00.123Z'),
    });
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
    // The marked ones moved to the ending set, the refused one stays in the activity index.
    expect(await store.client.zrange(`${prefix}{idx}:activity`, '0', '-1')).toEqual([ids[1]]);
    expect((await store.client.zrange(`${prefix}{idx}:ending`, '0', '-1')).sort()).toEqual(
      [ids[0], ids[2]].sort(),
    );
    expect([...(await sut.purge([ids[0], ids[2]]))].sort()).toEqual([ids[0], ids[2]].sort());
  });
});
