import { INestApplication } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { CLOCK, Clock, TIMERS, Timers } from '../../src/common/clock';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { RedisStore } from '../../src/store/redis-store';
import { REDIS_STORE } from '../../src/store/store.module';
import { ApiContract, readContract } from './conformance/contract';
import { recordResponses } from './conformance/server-recorder';
import { deleteKeysWithPrefix, TEST_REDIS_URL, testPrefix } from './redis';

export const ADMIN_TOKEN = 'test-admin-token';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** http://127.0.0.1:PORT of the listening instance (for SSE and raw HTTP). */
  url: string;
  server: ReturnType<INestApplication['getHttpServer']>;
  /** The instance's Redis connection. */
  redis(): RedisStore;
  /** Every Redis key of one session. */
  sessionKeys(sessionId: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  /** Provider overrides (e.g. a clock or an archive with its own schema). */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** The app's CLOCK (e.g. a ShiftedClock or a ManualClock of test/support/manual-clock.ts). */
  clock?: Clock;
  /** The app's TIMERS (a ManualClock, to fire the message hub's ticks and other timers by hand). */
  timers?: Timers;
  /** Keep the Redis keys at close (a second instance still uses them). */
  keepKeys?: boolean;
}

/**
 * Boots the real AppModule over HTTP with the same configureApp as main.ts, on Redis under a key
 * prefix of its own (deleted at close), with a temporary archive folder. Every response it sends is
 * checked against its own /docs-json (test/support/conformance/setup.ts says how).
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const archiveDir = mkdtempSync(join(tmpdir(), 'tg-archive-'));
  const config = loadConfig({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: testPrefix('e2e'),
    ARCHIVE_DIR: archiveDir,
    ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PROACTIVE_GREETING_DELAY_SECONDS: '-1',
    PROACTIVE_IDLE_TIP_SECONDS: '-1',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  });
  let builder = Test.createTestingModule({ imports: [AppModule.register(config)] });
  if (options.clock) builder = builder.overrideProvider(CLOCK).useValue(options.clock);
  if (options.timers) builder = builder.overrideProvider(TIMERS).useValue(options.timers);
  if (options.override) builder = options.override(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, forceCloseConnections: true });
  // Its document is read once it listens (the recorder sees the request for it, which is exempt).
  const served: { contract?: ApiContract } = {};
  app.use(recordResponses(() => served.contract));
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  served.contract = await readContract(`http://127.0.0.1:${port}`);
  const redis = (): RedisStore => {
    const store = app.get<RedisStore | null>(REDIS_STORE);
    if (!store) throw new Error('This test app runs on the embedded store');
    return store;
  };
  return {
    redis,
    sessionKeys: (sessionId) => redis().client.keys(`${config.redisKeyPrefix}s:{${sessionId}}*`),
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    server: app.getHttpServer(),
    close: async () => {
      await app.close();
      if (!options.keepKeys) await deleteKeysWithPrefix(config.redisKeyPrefix);
      rmSync(archiveDir, { recursive: true, force: true });
    },
  };
}
