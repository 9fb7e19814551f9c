import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError } from '../common/api-error';
import { freePort } from '../../test/support/ports';
import { redisCli, startRedisServer } from '../../test/support/redis-server';
import { RedisStore } from './redis-store';

/** REDIS_MIN_REPLICAS_ACK against servers of this spec's own: a primary, and a replica to start and stop. */
describe(RedisStore.name, () => {
  describe('scriptConfirmed / confirmReplicated', () => {
    let primaryPort: number;
    let primary: ChildProcess;
    let replica: ChildProcess | null = null;
    /** Where the replica writes the RDB of its full sync (not the working directory). */
    const dir = mkdtempSync(join(tmpdir(), 'tg-wait-'));
    const stores: RedisStore[] = [];

    const storeAsking = (minReplicasAck: number, replicaAckTimeoutMs = 300) => {
      const store = new RedisStore({
        url: `redis://127.0.0.1:${primaryPort}`,
        clusterNodes: null,
        keyPrefix: 'tgtest:wait:',
        minReplicasAck,
        replicaAckTimeoutMs,
      });
      stores.push(store);
      return store;
    };
    /** Replicas that finished their first sync. */
    const onlineReplicas = async () =>
      (await redisCli(['-p', String(primaryPort), 'info', 'replication'])).match(/state=online/g)?.length ??
      0;

    beforeAll(async () => {
      primaryPort = await freePort();
      primary = await startRedisServer(primaryPort, ['--repl-diskless-sync-delay', '0']);
    });
    afterAll(async () => {
      for (const store of stores) await store.close();
      replica?.kill('SIGKILL');
      primary.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers at once, without asking Redis, when no replica acknowledgement is wanted', async () => {
      const sut = storeAsking(0);
      await sut.waitUntilReady(2000);
      await expect(sut.confirmReplicated('tgtest:wait:k')).resolves.toBeUndefined();
    });

    it('fails with StoreUnavailableError when no replica confirms the writes in time', async () => {
      const sut = storeAsking(1);
      await sut.waitUntilReady(2000);
      const write = "return redis.call('SET', KEYS[1], ARGV[1])";
      await expect(sut.scriptConfirmed(write, ['tgtest:wait:s'], ['written'])).rejects.toThrow(
        /confirmed by 0 of 1 replicas/,
      );
      expect(await sut.run((client) => client.get('tgtest:wait:s'))).toBe('written'); // the write stands
      await sut.run((client) => client.set('tgtest:wait:k', 'v'));
      await expect(sut.confirmReplicated('tgtest:wait:k')).rejects.toThrow(StoreUnavailableError);
      await expect(sut.confirmReplicated('tgtest:wait:k')).rejects.toThrow(/confirmed by 0 of 1 replicas/);
    });

    it('keeps acknowledged writes off the connection of everything else: a read never waits behind a WAIT', async () => {
      const sut = storeAsking(1, 1000);
      await sut.waitUntilReady(2000);
      await sut.run((client) => client.set('tgtest:wait:k', 'v'));
      const confirming = sut.confirmReplicated('tgtest:wait:k').catch((error: unknown) => error);
      const read = sut.run((client) => client.get('tgtest:wait:k')).then(() => 'read answered');
      expect(await Promise.race([read, confirming.then(() => 'WAIT returned first')])).toBe('read answered');
      expect(await confirming).toBeInstanceOf(StoreUnavailableError);
    });

    it('resolves once a replica has the writes', async () => {
      const replicaPort = await freePort();
      replica = await startRedisServer(replicaPort, [
        '--replicaof',
        '127.0.0.1',
        String(primaryPort),
        '--dir',
        dir,
      ]);
      const deadline = Date.now() + 15_000;
      while ((await onlineReplicas()) < 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const sut = storeAsking(1, 2000);
      await sut.waitUntilReady(2000);
      await sut.run((client) => client.set('tgtest:wait:k', 'replicated'));
      await expect(sut.confirmReplicated('tgtest:wait:k')).resolves.toBeUndefined();
      const write = "return redis.call('SET', KEYS[1], ARGV[1])";
      await expect(sut.scriptConfirmed(write, ['tgtest:wait:s'], ['confirmed'])).resolves.toBe('OK');
      expect(await redisCli(['-p', String(replicaPort), 'get', 'tgtest:wait:k'])).toContain('replicated');
    });
  });

  describe('forBulkWork', () => {
    const connectionsNamed = async (store: RedisStore, name: string) =>
      String(await store.client.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(`name=${name}`)).length;

    it('is the same store on a connection of its own, ready and closed with the first', async () => {
      const main = new RedisStore({
        url: 'redis://127.0.0.1:6379',
        clusterNodes: null,
        keyPrefix: 'tgtest:bulk:',
      });
      const sut = main.forBulkWork();
      expect(main.forBulkWork()).toBe(sut);
      expect(await main.waitUntilReady(3000)).toBe(true);
      try {
        const name = `tgtest-bulk-${process.pid}`;
        await sut.client.client('SETNAME', name);
        expect(await connectionsNamed(main, name)).toBe(1);
        expect(await main.client.client('GETNAME')).not.toBe(name);
        expect(sut.key('s', 'x')).toBe(main.key('s', 'x'));
        await sut.script("return redis.call('SET', KEYS[1], ARGV[1])", [main.key('k')], ['from bulk']);
        expect(await main.client.get(main.key('k'))).toBe('from bulk');
        await main.client.del(main.key('k'));
        const observer = new RedisStore({
          url: 'redis://127.0.0.1:6379',
          clusterNodes: null,
          keyPrefix: 'tgtest:bulk:',
        });
        await main.close();
        expect(await connectionsNamed(observer, name)).toBe(0);
        await observer.close();
      } finally {
        await main.close().catch(() => undefined);
      }
    });
  });
});
