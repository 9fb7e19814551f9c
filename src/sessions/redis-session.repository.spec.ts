import calculateSlot from 'cluster-key-slot';
import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { RedisSessionRepository } from './redis-session.repository';
import { CONTRACT_SETTINGS, ContractSubject } from './session-contract.fixtures';
import { describeSessionRepositoryContract } from './session.repository.contract';
import { describeLifecycleContract } from './session-lifecycle.contract';
import { describeOutboxContract } from './session-outbox.contract';
import { describeIdempotencyContract } from './session-idempotency.contract';
import { describeDurabilityContract } from './session-durability.contract';
import { describeQueryContract } from './session-query.contract';
import { describeLocationContract } from './session-location.contract';

const make = (): Promise<ContractSubject> => {
  const prefix = testPrefix('sessions');
  const store = testStore(prefix);
  return store.waitUntilReady(2000).then(() => ({
    sut: new RedisSessionRepository(store, CONTRACT_SETTINGS),
    cleanup: async () => {
      await deleteKeysWithPrefix(prefix);
      await store.close();
    },
  }));
};

describeSessionRepositoryContract(RedisSessionRepository.name, make);
describeLifecycleContract(RedisSessionRepository.name, make);
describeOutboxContract(RedisSessionRepository.name, make);
describeIdempotencyContract(RedisSessionRepository.name, make);
describeDurabilityContract(RedisSessionRepository.name, make);
describeQueryContract(RedisSessionRepository.name, make);
describeLocationContract(RedisSessionRepository.name, make);

describe(RedisSessionRepository.name, () => {
  const prefix = testPrefix('sessions-ttl');
  const store = testStore(prefix);
  const sut = new RedisSessionRepository(store, CONTRACT_SETTINGS);
  beforeAll(() => store.waitUntilReady(2000));
  afterAll(async () => {
    await deleteKeysWithPrefix(prefix);
    await store.close();
  });

  /** Every key of the session that exists carries a TTL no longer than idle TTL + grace. */
  async function expectEveryKeyToExpire(id: string): Promise<number> {
    const keys = await store.client.keys(`${prefix}s:{${id}}*`);
    for (const key of keys) {
      const ttl = await store.client.pttl(key);
      expect({ key, hasTtl: ttl > 0 && ttl <= CONTRACT_SETTINGS.keyTtlMs }).toEqual({ key, hasTtl: true });
    }
    return keys.length;
  }

  describe('key TTLs', () => {
    it('sets a TTL on every key after every kind of write', async () => {
      const now = Date.now();
      const { id } = (
        await sut.create(
          { id: 'ttl-1', locale: 'en', metadata: {}, clientIp: null, userAgent: null },
          now,
          100,
        )
      ).record;
      await expectEveryKeyToExpire(id);
      await sut.appendTurns(id, [{ role: 'user', text: 'q', createdAt: now }], now, true);
      await expectEveryKeyToExpire(id);
      await sut.pushMessage(id, { kind: 'tip', text: 't', createdAt: now }, now);
      await sut.markOnce(id, 'poi:gate', now);
      expect(await expectEveryKeyToExpire(id)).toBe(4);
      const claim = { key: 'k1', fingerprint: 'f', token: 't' };
      await sut.claimIdempotencyKey(id, claim, now, now + 1000);
      expect(await expectEveryKeyToExpire(id)).toBe(5);
      await sut.appendTurnsOnce(id, [{ role: 'assistant', text: 'a', createdAt: now }], now, claim);
      expect(await expectEveryKeyToExpire(id)).toBe(5);
      await sut.touch(id, now + 1, null);
      await sut.reportLocation(id, now + 1, { client: null, lat: 1, lon: 2, triggers: [] });
      await sut.acknowledge(id, '1-0');
      await expectEveryKeyToExpire(id);
      await sut.clearConversation(id, 3, now + 2, true);
      await expectEveryKeyToExpire(id);
    });

    it('sets a TTL on the marker set a location report creates', async () => {
      const now = Date.now();
      const { id } = (
        await sut.create(
          { id: 'ttl-location', locale: 'en', metadata: {}, clientIp: null, userAgent: null },
          now,
          100,
        )
      ).record;
      const reported = await sut.reportLocation(id, now + 1, {
        client: null,
        lat: 1,
        lon: 2,
        triggers: ['poi:gate'],
      });
      expect(reported).toMatchObject({ status: 'ok', recorded: ['poi:gate'] });
      expect(await expectEveryKeyToExpire(id)).toBe(2);
      await sut.clearTrigger(id, 'poi:gate');
    });

    it('puts all keys of one session in one hash slot', async () => {
      await sut.create(
        { id: 'slot-1', locale: 'en', metadata: {}, clientIp: null, userAgent: null },
        Date.now(),
        100,
      );
      await sut.pushMessage('slot-1', { kind: 'tip', text: 't', createdAt: 1 }, Date.now());
      await sut.markOnce('slot-1', 'poi:gate', Date.now());
      await sut.claimIdempotencyKey('slot-1', { key: 'k', fingerprint: 'f', token: 't' }, Date.now(), 1);
      const keys = await store.client.keys(`${prefix}s:*slot-1*`);
      expect(keys).toHaveLength(5);
      const slots = keys.map((key) => calculateSlot(key));
      expect(new Set(slots).size).toBe(1);
    });

    it('pushes to many sessions in one script, and gives the keys it creates a TTL', async () => {
      const now = Date.now();
      const ids = ['ttl-each-1', 'ttl-each-2', 'ttl-each-3'];
      for (const id of ids) {
        await sut.create({ id, locale: 'en', metadata: {}, clientIp: null, userAgent: null }, now, 100);
      }
      // One with a history and a stream already, one with a history only, one with neither.
      await sut.appendTurns(ids[0], [{ role: 'user', text: 'q', createdAt: now }], now, true);
      await sut.pushMessage(ids[0], { kind: 'tip', text: 't', createdAt: now }, now);
      await sut.appendTurns(ids[1], [{ role: 'user', text: 'q', createdAt: now }], now, false);
      const evalshas = jest.spyOn(store.client, 'evalsha');
      try {
        const note = { kind: 'broadcast', text: 'b', createdAt: now } as const;
        const sent = await sut.pushMessages(ids, note, now, 'broadcast:ttl');
        expect(sent.every(Boolean)).toBe(true);
        expect(evalshas).toHaveBeenCalledTimes(1); // not one command per session
      } finally {
        evalshas.mockRestore();
      }
      for (const id of ids) expect(await expectEveryKeyToExpire(id)).toBe(4);
    });
  });

  describe('history entries written in the old form', () => {
    it('reads them back beside compact ones, in pages and snapshots, and appends after them', async () => {
      const now = Date.now();
      const id = 'legacy-1';
      await sut.create({ id, locale: 'en', metadata: {}, clientIp: null, userAgent: null }, now, 100);
      const history = `${prefix}s:{${id}}:h`;
      await store.client.rpush(
        history,
        JSON.stringify({ role: 'user', text: 'old question', createdAt: now - 2, seq: 1, hasImage: true }),
        JSON.stringify({ role: 'assistant', text: 'old answer', createdAt: now - 1, seq: 2 }),
      );
      await store.client.hset(`${prefix}s:{${id}}`, 'lastSeq', 2, 'turnCount', 2);
      await sut.appendTurns(id, [{ role: 'user', text: 'new question', createdAt: now }], now, true);
      expect((await store.client.lindex(history, 2))?.startsWith('[3,0,')).toBe(true);
      const expected = [
        { seq: 1, role: 'user', text: 'old question', createdAt: now - 2, hasImage: true },
        { seq: 2, role: 'assistant', text: 'old answer', createdAt: now - 1 },
        { seq: 3, role: 'user', text: 'new question', createdAt: now },
      ];
      expect(await sut.history(id, 10, null)).toEqual({ turns: expected, hasOlder: false });
      expect(await sut.history(id, 1, 3)).toEqual({ turns: [expected[1]], hasOlder: true });
      expect((await sut.snapshot(id))?.turns).toEqual(expected);
    });
  });

  describe("a session whose hash was written before it kept the stream's last id", () => {
    it('tells a pushed message the id it follows from the stream itself', async () => {
      const now = Date.now();
      const id = 'legacy-2';
      await sut.create({ id, locale: 'en', metadata: {}, clientIp: null, userAgent: null }, now, 100);
      const note = { kind: 'tip', text: 'earlier', createdAt: now } as const;
      const [first] = await sut.pushMessages([id], note, now);
      await store.client.hdel(`${prefix}s:{${id}}`, 'lastMessageId');
      const [next] = await sut.pushMessages([id], { ...note, text: 'later' }, now);
      expect(next?.after).toBe(first?.id);
      expect(await store.client.hget(`${prefix}s:{${id}}`, 'lastMessageId')).toBe(next?.id);
    });
  });
});
