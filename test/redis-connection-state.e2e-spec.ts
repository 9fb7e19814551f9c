import { ChildProcess } from 'node:child_process';
import { Logger, LoggerService } from '@nestjs/common';
import { BullMqJobQueue } from '../src/proactive/bullmq-job-queue';
import { JobName } from '../src/proactive/proactive.jobs';
import { RedisMessageNotifier } from '../src/proactive/redis-message-notifier';
import { RedisThrottlerStorage } from '../src/query/redis-throttler.storage';
import { RedisStore } from '../src/store/redis-store';
import { waitFor } from './support/eventually';
import { freePort } from './support/ports';
import { startRedisServer } from './support/redis-server';

/** Every Nest log line, as `level message`. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown) => this.lines.push(`log ${String(message)}`);
  warn = (message: unknown) => this.lines.push(`warn ${String(message)}`);
  error = (message: unknown) =>
    this.lines.push(`error ${typeof message === 'string' ? message : JSON.stringify(message)}`);
  debug = () => undefined;
  verbose = () => undefined;
}

/** Reconnects back off up to 2 s apart (redis-store.ts): the outage steps get a generous deadline. */
const OUTAGE_STEP = { timeoutMs: 20_000 };

const CONNECTIONS = ['store', 'notifier', 'job-queue', 'job-worker', 'rate-limit'];

/** Whether a rate-limit increment goes through (its connection is ready). */
const counts = (limiter: RedisThrottlerStorage) =>
  limiter.increment('k', 60_000, 100, 0, 'query').then(
    () => true,
    () => false,
  );

describe('Redis connection state log (e2e, a redis-server of its own)', () => {
  const logs = new CapturingLogger();
  let port: number;
  let redis: ChildProcess;
  let store: RedisStore;
  let notifier: RedisMessageNotifier;
  let jobs: BullMqJobQueue;
  let limiter: RedisThrottlerStorage;

  beforeAll(async () => {
    Logger.overrideLogger(logs);
    port = await freePort();
    redis = await startRedisServer(port);
    store = new RedisStore({
      url: `redis://127.0.0.1:${port}/0`,
      clusterNodes: null,
      keyPrefix: 'test:conn-log:',
    });
    notifier = new RedisMessageNotifier(store);
    await notifier.listen(() => undefined);
    jobs = new BullMqJobQueue(store, { lockMs: 30_000 });
    for (const name of Object.values(JobName)) jobs.handle(name, () => Promise.resolve());
    await jobs.start();
    limiter = new RedisThrottlerStorage(store);
    await waitFor('the rate-limit connection', () => counts(limiter));
    await waitFor('the store connection', () => store.waitUntilReady(1000));
  });
  afterAll(async () => {
    limiter.onModuleDestroy();
    await jobs.close();
    await notifier.close();
    await store.close();
    redis.kill('SIGKILL');
    Logger.overrideLogger(new Logger());
  });

  const linesOf = (kind: 'down' | 'back', name: string) =>
    logs.lines.filter((line) => line.startsWith(`${kind === 'down' ? 'warn' : 'log'} redis ${name} ${kind}`));

  it('logs one down line and one back line per connection over an outage, none per failed command', async () => {
    expect(logs.lines.filter((line) => line.includes('redis '))).toEqual([]);
    let storeErrors = 0;
    store.client.on('error', () => (storeErrors += 1));

    redis.kill('SIGKILL');
    await waitFor(
      'every connection down',
      () => CONNECTIONS.every((name) => linesOf('down', name).length > 0),
      OUTAGE_STEP,
    );
    // Many commands fail while Redis is gone, and ioredis reports every failed reconnect.
    let failed = 0;
    for (let i = 0; i < 50; i++) {
      await store.run((client) => client.ping()).catch(() => (failed += 1));
      await limiter.increment('k', 60_000, 100, 0, 'query').catch(() => (failed += 1));
      await notifier.publish({ sessionId: 's', kind: 'message' }).catch(() => (failed += 1));
    }
    await waitFor('several failed reconnects', () => storeErrors >= 3, OUTAGE_STEP);
    expect(failed).toBe(150);

    redis = await startRedisServer(port);
    await waitFor(
      'every connection back',
      () => CONNECTIONS.every((name) => linesOf('back', name).length > 0),
      OUTAGE_STEP,
    );
    await store.run((client) => client.ping());
    await waitFor('the rate limit counting again', () => counts(limiter), OUTAGE_STEP);

    for (const name of CONNECTIONS) {
      expect(linesOf('down', name)).toHaveLength(1);
      expect(linesOf('down', name)[0]).toMatch(new RegExp(`^warn redis ${name} down: \\S`));
      expect(linesOf('back', name)).toHaveLength(1);
      expect(linesOf('back', name)[0]).toMatch(new RegExp(`^log redis ${name} back after \\d+ ms$`));
    }
    expect(logs.lines.filter((line) => /job (queue|worker) error/.test(line))).toEqual([]);
  });
});
